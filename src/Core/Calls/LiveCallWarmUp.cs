using System.Text;
using AgentOS.Voice.Agents;
using AgentOS.Voice.Hosting;
using AgentOS.Voice.Twilio.Twiml;
using Microsoft.Extensions.Logging;

namespace AgentOS.Voice.Calls;

/// <summary>
/// Writes one ConversationRelay TwiML while the app starts, beside the agent store's warm-up, so the first incoming
/// call does not also load and prepare the XML writer before its answer can leave. Nothing is sent or stored.
/// </summary>
public sealed partial class LiveCallWarmUp(LiveCallTwiml twiml, ILogger<LiveCallWarmUp> logger) : StartupWarmUp
{
    private static readonly Agent Sample = new() { Id = "warm-up", Name = "warm-up", PhoneNumber = "+10000000000" };

    /// <summary>The size of the TwiML written at start; 0 until then, or when writing it failed (logged).</summary>
    public int BytesWritten { get; private set; }

    protected override Task WarmUpAsync(CancellationToken stopping)
    {
        try
        {
            BytesWritten = Encoding.UTF8.GetByteCount(twiml.Connect(Sample, callId: "warm-up", context: null, attempt: 1).ToTwiml());
        }
        catch (Exception e)
        {
            LogWarmUpFailed(logger, e.Message);
        }

        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "TwiML warm-up failed (the first call will try again): {Reason}")]
    private static partial void LogWarmUpFailed(ILogger logger, string reason);
}
