using System.Text.Json;
using AgentOS.Voice.Storage;
using Microsoft.Extensions.Options;

namespace AgentOS.Voice.Outcomes;

/// <summary>
/// Says "this call or message has ended" by queueing an <see cref="OutcomeRequest"/>, delayed by
/// <see cref="OutcomeOptions.RequestDelay"/>. Sending it twice, or for an end reported out of order, is harmless:
/// the outcome is made once per id.
/// </summary>
public sealed class OutcomeRequests(QueueSender queues, IOptions<OutcomeOptions> options)
{
    public Task CallEndedAsync(string agentId, string callId, CancellationToken cancellationToken) =>
        SendAsync(new OutcomeRequest(CallOutcome.CallKind, agentId, callId), cancellationToken);

    public Task MessageEndedAsync(string agentId, string messageId, CancellationToken cancellationToken) =>
        SendAsync(new OutcomeRequest(CallOutcome.MessageKind, agentId, messageId), cancellationToken);

    private Task SendAsync(OutcomeRequest request, CancellationToken cancellationToken) =>
        queues.SendAsync(OutcomeOptions.RequestQueue, JsonSerializer.Serialize(request, OutcomeJson.Default.OutcomeRequest),
            options.Value.RequestDelay, cancellationToken);
}
