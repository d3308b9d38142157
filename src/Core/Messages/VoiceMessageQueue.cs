using AgentOS.Voice.Storage;

namespace AgentOS.Voice.Messages;

/// <summary>
/// Puts jobs on the <c>voice-messages</c> queue, hidden until they are due. A queue message can stay hidden for at
/// most 7 days, so a later send is queued for 7 days and re-queued by the handler (a hop) until it is due.
/// </summary>
public sealed class VoiceMessageQueue(QueueSender sender, TimeProvider time)
{
    public const string QueueName = "voice-messages";

    public async Task SendAsync(VoiceMessageJob job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        await sender.SendAsync(QueueName, job.ToJson(), DelayUntil(job.SendAt), cancellationToken);
    }

    /// <summary>Puts the job back, hidden for <paramref name="delay"/>: a retry after a transient failure.</summary>
    public Task RetryAsync(VoiceMessageJob job, TimeSpan delay, CancellationToken cancellationToken = default) =>
        sender.SendAsync(QueueName, job.ToJson(), delay, cancellationToken);

    /// <summary>
    /// Parks a job that can never be sent in <c>voice-messages-poison</c> at once, as the host does after its last
    /// attempt, so operators find every given-up job in one place. Never expires.
    /// </summary>
    public Task PoisonAsync(string jobText, CancellationToken cancellationToken = default) =>
        sender.SendAsync(StorageNames.PoisonQueueName(QueueName), jobText, null, cancellationToken, timeToLive: TimeSpan.FromSeconds(-1));

    /// <summary>How long a job must stay hidden: until it is due, capped at the queue's 7 days; null when it is due now.</summary>
    public TimeSpan? DelayUntil(DateTimeOffset? sendAt)
    {
        if (sendAt is not { } due)
        {
            return null;
        }

        var wait = due - time.GetUtcNow();
        if (wait <= TimeSpan.Zero)
        {
            return null;
        }

        return wait < QueueTriggerEncoding.MaxInitialVisibilityDelay ? wait : QueueTriggerEncoding.MaxInitialVisibilityDelay;
    }
}
