using AgentOS.Voice.Functions.Hosting;
using AgentOS.Voice.Outcomes;
using Azure.Storage.Queues.Models;
using Microsoft.Azure.Functions.Worker;

namespace AgentOS.Voice.Functions.Outcomes;

/// <summary>
/// The queue functions that make and deliver outcomes: MakeOutcome reads <c>outcome-requests</c> (a call or message has
/// ended), DeliverOutcomeWebhook reads <c>outcome-webhooks</c> (one signed POST per attempt). Throwing fails the attempt
/// and the host retries it per host.json; a request still failing on its last attempt leaves its reason in the log (and,
/// for a webhook, on the dead-letter queue) before the host moves it to <c>&lt;queue&gt;-poison</c>.
/// </summary>
public sealed partial class OutcomeQueueFunctions(
    OutcomeMaker maker,
    OutcomeWebhookDelivery delivery,
    QueueHostSettings queues,
    TimeProvider time,
    ILogger<OutcomeQueueFunctions> logger)
{
    [Function("MakeOutcome")]
    public async Task MakeAsync(
        [QueueTrigger(OutcomeOptions.RequestQueue, Connection = "AzureWebJobsStorage")] QueueMessage message, CancellationToken cancellationToken)
    {
        QueueAge.Record(message, OutcomeOptions.RequestQueue, time);
        try
        {
            await maker.ProcessAsync(message.MessageText, cancellationToken);
        }
        catch (Exception e) when (IsLastAttempt(message, cancellationToken))
        {
            // Nothing else records a request that never became an outcome; the poison queue keeps the request itself.
            LogRequestGivenUp(e, message.MessageText, $"{e.GetType().Name}: {e.Message}");
            throw;
        }
    }

    [Function("DeliverOutcomeWebhook")]
    public async Task DeliverAsync(
        [QueueTrigger(OutcomeOptions.WebhookQueue, Connection = "AzureWebJobsStorage")] QueueMessage message, CancellationToken cancellationToken)
    {
        QueueAge.Record(message, OutcomeOptions.WebhookQueue, time);
        try
        {
            await delivery.ProcessAsync(message.MessageText, cancellationToken);
        }
        catch (Exception e) when (IsLastAttempt(message, cancellationToken))
        {
            // The receiver's own failures never throw (they are retried by re-queueing); this is storage or a bad message.
            try
            {
                await delivery.OnPoisonAsync(message.MessageText, $"{e.GetType().Name}: {e.Message}", cancellationToken);
            }
            catch (Exception deadLetterFailure) when (!cancellationToken.IsCancellationRequested)
            {
                LogDeadLetterFailed(deadLetterFailure, message.MessageId);
            }

            throw;
        }
    }

    private bool IsLastAttempt(QueueMessage message, CancellationToken cancellationToken) =>
        message.DequeueCount >= queues.MaxDequeueCount && !cancellationToken.IsCancellationRequested;

    [LoggerMessage(Level = LogLevel.Error, Message = "Outcome request {Request} given up after its last attempt: {Reason}")]
    private partial void LogRequestGivenUp(Exception e, string request, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Outcome webhook {QueueMessageId}: could not dead-letter it with its reason")]
    private partial void LogDeadLetterFailed(Exception e, string queueMessageId);
}
