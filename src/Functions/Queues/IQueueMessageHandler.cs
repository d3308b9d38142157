namespace AgentOS.Voice.Functions.Queues;

/// <summary>
/// The work of one queue function. Called the same way whether the Functions host delivered the message (POST
/// /{FunctionName}) or the local poller read it. Throwing means failure: the message is retried, and after
/// <c>maxDequeueCount</c> attempts it goes to <c>{queue}-poison</c>.
/// </summary>
public interface IQueueMessageHandler
{
    Task HandleAsync(QueueMessageContext message, CancellationToken cancellationToken);

    /// <summary>
    /// Called once when the last allowed attempt has failed, before the message is moved to the poison queue, so the
    /// record it concerns can say why it was given up. Failures here are logged, never retried.
    /// </summary>
    Task OnPoisonAsync(QueueMessageContext message, string reason, CancellationToken cancellationToken);
}

/// <param name="MessageText">The message as the producer wrote it (already base64-decoded).</param>
/// <param name="DequeueCount">1 on the first attempt.</param>
public sealed record QueueMessageContext(
    string FunctionName,
    string QueueName,
    string MessageText,
    string Id,
    long DequeueCount,
    DateTimeOffset? InsertionTime);
