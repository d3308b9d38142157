using System.Collections.Concurrent;
using Azure.Storage.Queues.Models;
using Microsoft.Azure.Functions.Worker;

namespace AgentOS.Voice.Functions.Tests.Runner;

/// <summary>What the test queue function saw.</summary>
public sealed class AttemptLog
{
    public ConcurrentQueue<QueueMessage> Attempts { get; } = new();
}

/// <summary>A queue function for the runner's tests: fails every message whose text starts with "fail", handles the rest.</summary>
public sealed class RecordingQueueFunction(AttemptLog log)
{
    public const string EntryPoint = "AgentOS.Voice.Functions.Tests.Runner.RecordingQueueFunction.RunAsync";

    [Function("TestJob")]
    public Task RunAsync([QueueTrigger("test-jobs")] QueueMessage job, CancellationToken cancellationToken)
    {
        log.Attempts.Enqueue(job);
        return job.MessageText.StartsWith("fail", StringComparison.Ordinal)
            ? throw new InvalidOperationException($"cannot do '{job.MessageText}'")
            : Task.CompletedTask;
    }

    [Function("TestJobWithContext")]
    public Task UnbindableAsync([QueueTrigger("test-jobs")] QueueMessage job, FunctionContext context) => Task.CompletedTask;
}
