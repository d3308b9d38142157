using System.Net;
using AgentOS.Voice.Speech;
using Microsoft.Extensions.Logging;

namespace AgentOS.Voice.Messages;

/// <summary>
/// Failures the dispatcher settles itself instead of throwing them to the host, whose retries are few and a fixed
/// moment apart: transient ones are retried by re-queueing the job hidden for an exponentially growing delay, for as
/// long as <see cref="VoiceMessageOptions.RetryWindow"/> allows; permanent ones go to voice-messages-poison at once,
/// the reason on the record (or, when the job names no record, in <see cref="PoisonedJobs"/>).
/// </summary>
public sealed partial class VoiceMessageDispatcher
{
    /// <summary>
    /// A job that can never be sent (<see cref="VoiceMessageRejectedException"/>): parked in the poison queue with
    /// its reason, and the message it names, when it is that message and not yet called, failed.
    /// </summary>
    public async Task RejectAsync(string queueMessageId, string messageText, string reason, CancellationToken cancellationToken)
    {
        logger.LogError("Queue message {QueueMessageId} rejected without retrying: {Reason}", queueMessageId, reason);
        await poisoned.AddAsync(VoiceMessageQueue.QueueName, queueMessageId, messageText, reason, time.GetUtcNow(), cancellationToken);
        await queue.PoisonAsync(messageText, cancellationToken);

        if (NamedJob(messageText) is not ({ } job, { } agentId))
        {
            return;
        }

        // Only the same message fails: a bad job that reuses a good message's id must not end it.
        var now = time.GetUtcNow();
        var message = await store.UpdateAsync(agentId, job.ResolveMessageId(), m => !m.State.IsBeforeCall()
            ? null
            : job.DifferencesFrom(m).Count > 0
                ? m.Note(now, $"a job with this id was rejected ({reason}); that job was not sent")
                : m.Transition(MessageState.Failed, now, "rejected: " + reason) with
                {
                    Error = new MessageError(MessageErrorCodes.Poisoned, $"Not retried: {reason} The job is in {VoiceMessageQueue.QueueName}-poison."),
                }, cancellationToken);
        await RequestOutcomeIfEndedAsync(message, cancellationToken);
    }

    /// <summary>The job a poisoned queue message names, with its agent; null when it is no job or names no record.</summary>
    private static (VoiceMessageJob Job, string AgentId)? NamedJob(string messageText)
    {
        VoiceMessageJob job;
        try
        {
            job = VoiceMessageJob.Parse(messageText);
        }
        catch (VoiceMessageRejectedException)
        {
            return null;
        }

        return job.AgentId is null || (job.MessageId is null && job.IdempotencyKey is null) ? null : (job, job.AgentId);
    }

    /// <summary>The provider refused the request itself (key, permission, voice, input): asking again gives the same answer.</summary>
    private static bool IsPermanent(Exception e) =>
        e is ElevenLabsException { HttpStatus: HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden
            or HttpStatusCode.NotFound or HttpStatusCode.UnprocessableEntity };

    /// <summary>
    /// Back to <c>queued</c> (a claim with no call given back) and the job re-queued hidden for the next delay; gives
    /// up instead when that retry would come after the retry window.
    /// </summary>
    private async Task RetryLaterAsync(VoiceMessage message, string failure, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var now = time.GetUtcNow();
        var delay = RetryDelay(message.Attempts, o);
        var first = message.FirstAttemptAt ?? now;
        if (now + delay - first > o.RetryWindow)
        {
            await GiveUpAsync(message, $"{failure}; retried since {first:O}, and Messages:RetryWindow ({o.RetryWindow}) is over", cancellationToken);
            return;
        }

        var queued = await store.UpdateAsync(message.AgentId, message.Id, m => m.State == MessageState.Rendering || m is { State: MessageState.Calling, CallSid: null }
            ? m.Transition(MessageState.Queued, now, $"{failure}; next try in {delay}") with { ClaimedAt = null }
            : null, cancellationToken);
        if (queued is { State: MessageState.Queued })
        {
            await queue.RetryAsync(VoiceMessageJob.For(queued), delay, cancellationToken);
        }
    }

    /// <summary>The first delay doubled per attempt already failed, capped.</summary>
    internal static TimeSpan RetryDelay(int attempts, VoiceMessageOptions o)
    {
        var delay = o.RetryFirstDelay;
        for (var i = 1; i < attempts && delay < o.RetryMaxDelay; i++)
        {
            delay *= 2;
        }

        return delay < o.RetryMaxDelay ? delay : o.RetryMaxDelay;
    }

    private async Task GiveUpAsync(VoiceMessage message, string reason, CancellationToken cancellationToken)
    {
        logger.LogError("Message {MessageId} given up: {Reason}", message.Id, reason);
        await queue.PoisonAsync(VoiceMessageJob.For(message).ToJson(), cancellationToken);
        await FailAsync(message, new MessageError(MessageErrorCodes.Poisoned,
            $"Gave up after {message.Attempts} attempts: {reason}. The job is in {VoiceMessageQueue.QueueName}-poison."), cancellationToken);
    }
}
