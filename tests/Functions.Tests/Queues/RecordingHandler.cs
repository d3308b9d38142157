using System.Collections.Concurrent;
using AgentOS.Voice.Functions.Queues;

namespace AgentOS.Voice.Functions.Tests.Queues;

/// <summary>What a test queue function saw; one per app instance.</summary>
public sealed class HandlerLog
{
    public ConcurrentQueue<QueueMessageContext> Attempts { get; } = new();
    public ConcurrentQueue<(QueueMessageContext Message, string Reason)> Poisoned { get; } = new();
}

/// <summary>A queue function for tests: fails every message whose text starts with "fail", handles the rest.</summary>
public sealed class RecordingHandler(HandlerLog log) : IQueueMessageHandler
{
    public Task HandleAsync(QueueMessageContext message, CancellationToken cancellationToken)
    {
        log.Attempts.Enqueue(message);
        return message.MessageText.StartsWith("fail", StringComparison.Ordinal)
            ? throw new InvalidOperationException($"cannot do '{message.MessageText}'")
            : Task.CompletedTask;
    }

    public Task OnPoisonAsync(QueueMessageContext message, string reason, CancellationToken cancellationToken)
    {
        log.Poisoned.Enqueue((message, reason));
        return Task.CompletedTask;
    }
}
