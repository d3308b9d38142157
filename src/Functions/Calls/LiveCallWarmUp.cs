using AgentOS.Voice.Agents;

namespace AgentOS.Voice.Functions.Calls;

/// <summary>
/// Writes one ConversationRelay TwiML while the app starts, beside the agent store's warm-up, so the first incoming
/// call does not also load and prepare the XML writer (System.Private.Xml): ~14 ms of the first call in a start-up
/// trace on the 2-core build machine (bench/README.md). Nothing is sent or stored.
/// </summary>
public sealed partial class LiveCallWarmUp(LiveCallTwiml twiml, ILogger<LiveCallWarmUp> logger) : IHostedLifecycleService
{
    private static readonly Agent Sample = new() { Id = "warm-up", Name = "warm-up", PhoneNumber = "+10000000000" };

    /// <summary>The size of the TwiML written at start; 0 before the app starts or when writing it failed (logged).</summary>
    public Task<int> Warmed { get; private set; } = Task.FromResult(0);

    public Task StartingAsync(CancellationToken cancellationToken)
    {
        Warmed = Task.Run(WriteOnce, CancellationToken.None);
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Warmed.WaitAsync(cancellationToken);

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private int WriteOnce()
    {
        try
        {
            return twiml.Connect(Sample, callId: "warm-up", context: null, attempt: 1).ToUtf8Bytes().Length;
        }
        catch (Exception e)
        {
            // Only the first call's speed is at stake: it will build its TwiML and report properly.
            LogWarmUpFailed(logger, e.Message);
            return 0;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "TwiML warm-up failed (the first call will try again): {Reason}")]
    private static partial void LogWarmUpFailed(ILogger logger, string reason);
}
