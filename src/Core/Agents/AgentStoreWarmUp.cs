using AgentOS.Voice.Hosting;
using Microsoft.Extensions.Logging;

namespace AgentOS.Voice.Agents;

/// <summary>
/// Looks up an agent that does not exist while the app starts, so the first call's lookup does not pay for the
/// storage client's first request (JIT, a connection and, in Azure, a managed-identity token), which otherwise made the
/// first incoming-call many times slower than the rest. Misses are never cached, so this leaves nothing behind.
/// </summary>
public sealed partial class AgentStoreWarmUp(IAgentStore agents, ILogger<AgentStoreWarmUp> logger) : StartupWarmUp
{
    /// <summary>The id looked up: agent ids are the caller's choice, but this one names itself.</summary>
    public const string NoSuchAgent = "warm-up-no-such-agent";

    protected override async Task WarmUpAsync(CancellationToken stopping)
    {
        try
        {
            await agents.GetAsync(NoSuchAgent, stopping);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            LogWarmUpFailed(logger, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Agent store warm-up failed (the first call will try again): {Reason}")]
    private static partial void LogWarmUpFailed(ILogger logger, string reason);
}
