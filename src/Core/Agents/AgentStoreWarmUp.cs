using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AgentOS.Voice.Agents;

/// <summary>
/// Looks up an agent that does not exist while the app starts, without holding the start up, so the first call's
/// lookup does not pay for the storage client's first request (JIT, a connection and, in Azure, a managed-identity
/// token). Before it, the first incoming-call took 200-350 ms in request logs; the 2-core
/// benchmark showed no gain in time to first TwiML from it (bench/README.md). Misses are never cached, so this leaves
/// nothing behind.
/// </summary>
public sealed partial class AgentStoreWarmUp(IAgentStore agents, ILogger<AgentStoreWarmUp> logger) : IHostedLifecycleService
{
    /// <summary>The id looked up: agent ids are the caller's choice, but this one names itself.</summary>
    public const string NoSuchAgent = "warm-up-no-such-agent";

    private readonly CancellationTokenSource _stopping = new();
    private Task _warming = Task.CompletedTask;

    /// <summary>
    /// Before any hosted service starts, the web server included: the first request can arrive as soon as the port
    /// is open, and the warm-up should be well under way by then, on the other core.
    /// </summary>
    public Task StartingAsync(CancellationToken cancellationToken)
    {
        _warming = Task.Run(WarmUpAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _warming.WaitAsync(cancellationToken);
    }

    private async Task WarmUpAsync()
    {
        try
        {
            await agents.GetAsync(NoSuchAgent, _stopping.Token);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            // The first real lookup will try again and report properly; this one only says storage is not there yet.
            LogWarmUpFailed(logger, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Agent store warm-up failed (the first call will try again): {Reason}")]
    private static partial void LogWarmUpFailed(ILogger logger, string reason);
}
