using System.Globalization;
using System.Text.Json;
using AgentOS.Voice.Agents;
using AgentOS.Voice.Storage;
using AgentOS.Voice.Webhooks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentOS.Voice.Outcomes;

/// <summary>
/// The worker of <see cref="OutcomeOptions.WebhookQueue"/>: POSTs a stored outcome to the agent's
/// <c>outcomeWebhookUrl</c>, signed per Standard Webhooks with the outcome's stable <c>webhook-id</c> and a fresh
/// timestamp each attempt. A failed attempt queues the next one after a doubling delay; after
/// <see cref="OutcomeOptions.DeliveryWindow"/> the delivery goes to the dead-letter queue with the reason. Nothing here
/// throws for the receiver's failures, so the queue's own retries are left for storage faults.
/// </summary>
public sealed partial class OutcomeWebhookDelivery(
    IAgentStore agents,
    OutcomeStore store,
    OutcomeRecordings recordings,
    SignedPoster poster,
    QueueSender queues,
    IOptions<OutcomeOptions> options,
    TimeProvider time,
    ILogger<OutcomeWebhookDelivery> logger)
{
    public async Task ProcessAsync(string queueMessage, CancellationToken cancellationToken = default)
    {
        var request = JsonSerializer.Deserialize(queueMessage, OutcomeJson.Default.OutcomeDeliveryRequest)
                      ?? throw new FormatException("The delivery request is empty.");
        var agent = await agents.GetAsync(request.AgentId, cancellationToken);
        if (agent is not { OutcomeWebhookUrl: { } url, WebhookSecret: { } secret })
        {
            LogNoWebhook(request.Id, request.AgentId);
            return;
        }

        if (await store.GetAsync(request.AgentId, request.Kind, request.Id, cancellationToken) is not { } stored)
        {
            await DeadLetterAsync(request, "the outcome is not stored", cancellationToken);
            return;
        }

        var outcome = await recordings.WithLinkAsync(stored.Outcome, cancellationToken);
        var body = JsonSerializer.SerializeToUtf8Bytes(outcome, OutcomeJson.Default.CallOutcome);
        var result = await poster.PostAsync(url, secret, stored.Outcome.WebhookId, body, options.Value.WebhookTimeout, null, cancellationToken);
        if (result.Succeeded)
        {
            LogDelivered(stored.Outcome.WebhookId, request.Attempt);
            return;
        }

        var delay = options.Value.RetryDelay(request.Attempt);
        var age = time.GetUtcNow() - request.FirstAttemptAt;
        if (age + delay > options.Value.DeliveryWindow)
        {
            await DeadLetterAsync(request, string.Create(CultureInfo.InvariantCulture,
                $"gave up after {request.Attempt} attempts over {age.TotalHours:0.#} h; last: {result.Error}"), cancellationToken);
            return;
        }

        LogRetrying(stored.Outcome.WebhookId, request.Attempt, result.Error!, delay);
        await queues.SendAsync(OutcomeOptions.WebhookQueue,
            JsonSerializer.Serialize(request with { Attempt = request.Attempt + 1 }, OutcomeJson.Default.OutcomeDeliveryRequest), delay, cancellationToken);
    }

    /// <summary>
    /// The queue gave up on a delivery that kept failing for another reason than the receiver (storage, a bad message):
    /// it goes to the dead-letter queue with that reason, as an expired one does. An unreadable message is left to the
    /// poison queue alone.
    /// </summary>
    public async Task OnPoisonAsync(string queueMessage, string reason, CancellationToken cancellationToken)
    {
        OutcomeDeliveryRequest? request;
        try
        {
            request = JsonSerializer.Deserialize(queueMessage, OutcomeJson.Default.OutcomeDeliveryRequest);
        }
        catch (JsonException)
        {
            return;
        }

        if (request is not null)
        {
            await DeadLetterAsync(request, $"gave up after the queue's last attempt: {reason}", cancellationToken);
        }
    }

    private async Task DeadLetterAsync(OutcomeDeliveryRequest request, string reason, CancellationToken cancellationToken)
    {
        LogDeadLettered(request.Id, reason);
        await queues.SendAsync(OutcomeOptions.DeadLetterQueue,
            JsonSerializer.Serialize(request with { Reason = reason }, OutcomeJson.Default.OutcomeDeliveryRequest), cancellationToken: cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Outcome {WebhookId} delivered on attempt {Attempt}")]
    private partial void LogDelivered(string webhookId, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outcome {WebhookId}: attempt {Attempt} failed ({Error}); next in {Delay}")]
    private partial void LogRetrying(string webhookId, int attempt, string error, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Error, Message = "Outcome of {Id}: webhook dead-lettered: {Reason}")]
    private partial void LogDeadLettered(string id, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Outcome of {Id}: agent {AgentId} has no webhook (any more); nothing to deliver")]
    private partial void LogNoWebhook(string id, string agentId);
}
