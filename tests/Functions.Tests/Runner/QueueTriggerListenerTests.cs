using AgentOS.Voice.Functions.Hosting;
using AgentOS.Voice.FunctionsRunner;
using AgentOS.Voice.Storage;
using AgentOS.Voice.TestSupport;
using Azure;
using Azure.Storage.Queues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentOS.Voice.Functions.Tests.Runner;

/// <summary>The runner's queue trigger against real Azurite queues: the host's retry, visibility and poison semantics.</summary>
public sealed class QueueTriggerListenerTests : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private static readonly QueueHostSettings Settings = new()
    {
        BatchSize = 16,
        MaxDequeueCount = 5,
        VisibilityTimeout = TimeSpan.FromMilliseconds(200),
        MaxPollingInterval = TimeSpan.FromMilliseconds(250),
    };

    private readonly AttemptLog _log = new();
    private readonly QueueClient _queue;
    private readonly QueueClient _poison;
    private readonly QueueTriggerListener _listener;

    public QueueTriggerListenerTests(AzuriteFixture azurite)
    {
        // Each test gets its own queue so messages of one never reach another's assertions.
        var queueName = "jobs" + Guid.NewGuid().ToString("N")[..8];
        var queues = new QueueServiceClient(azurite.ConnectionString);
        _queue = queues.GetQueueClient(queueName);
        _poison = queues.GetQueueClient(StorageNames.PoisonQueueName(queueName));
        var services = new ServiceCollection().AddSingleton(_log).BuildServiceProvider();
        _listener = new QueueTriggerListener(
            FunctionMethod.Resolve(Metadata("TestJob", RecordingQueueFunction.EntryPoint)),
            _queue, _poison, Settings, services.GetRequiredService<IServiceScopeFactory>(), TimeProvider.System,
            NullLogger<QueueTriggerListener>.Instance);
    }

    public async Task InitializeAsync()
    {
        await _queue.CreateIfNotExistsAsync();
        await _listener.StartAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _listener.StopAsync(CancellationToken.None);
        _listener.Dispose();
    }

    [Fact]
    public async Task A_handled_message_is_decoded_for_the_function_and_deleted()
    {
        await _queue.SendEncodedAsync("{\"n\":1}");

        await Eventually.True(() => Task.FromResult(_log.Attempts.Any(a => a.MessageText == "{\"n\":1}")), "the message is handled");
        await Eventually.True(async () => await Count(_queue) == 0, "the handled message is deleted");
        Assert.Equal(1, Assert.Single(_log.Attempts).DequeueCount);
        Assert.Equal(0, await Count(_poison));
    }

    [Fact]
    public async Task A_message_that_keeps_failing_is_tried_max_dequeue_count_times_then_moved_unchanged_to_the_poison_queue()
    {
        await _queue.SendEncodedAsync("fail always");

        await Eventually.True(async () => await Count(_poison) == 1, "the message reaches the poison queue");

        var poisoned = (await _poison.ReceiveMessageAsync()).Value;
        Assert.Equal("fail always", QueueTriggerEncoding.Decode(poisoned.Body.ToString()));
        Assert.Equal([1L, 2, 3, 4, 5], _log.Attempts.Select(a => a.DequeueCount).Order().ToArray());
        Assert.Equal(0, await Count(_queue));
    }

    [Fact]
    public async Task A_message_that_is_not_base64_never_reaches_the_function_and_ends_in_the_poison_queue()
    {
        await _queue.SendMessageAsync("plain text {not base64}");

        await Eventually.True(async () => await Count(_poison) == 1, "the message reaches the poison queue");

        Assert.Equal("plain text {not base64}", (await _poison.ReceiveMessageAsync()).Value.Body.ToString());
        Assert.Empty(_log.Attempts);
    }

    [Fact]
    public async Task A_delayed_message_waits_until_it_is_visible()
    {
        await _queue.SendEncodedAsync("later", initialVisibilityDelay: TimeSpan.FromSeconds(3));
        await _queue.SendEncodedAsync("now");

        await Eventually.True(() => Task.FromResult(_log.Attempts.Any(a => a.MessageText == "now")), "the immediate message is handled");
        Assert.DoesNotContain(_log.Attempts, a => a.MessageText == "later");

        await Eventually.True(() => Task.FromResult(_log.Attempts.Any(a => a.MessageText == "later")), "the delayed message is handled once visible");
    }

    [Fact]
    public void A_function_with_a_parameter_the_runner_cannot_bind_stops_the_start_naming_it()
    {
        var e = Assert.Throws<InvalidOperationException>(() =>
            FunctionMethod.Resolve(Metadata("TestJobWithContext", "AgentOS.Voice.Functions.Tests.Runner.RecordingQueueFunction.UnbindableAsync")));

        Assert.Contains("TestJobWithContext", e.Message);
        Assert.Contains("'context'", e.Message);
    }

    private static FunctionMetadata Metadata(string name, string entryPoint) => new(
        name, "AgentOS.Voice.Functions.Tests.dll", entryPoint,
        [new BindingMetadata("job", "queueTrigger", "In", null, null, null, "test-jobs", "AzureWebJobsStorage")]);

    /// <summary>Messages in the queue; none while the listener, starting in the background, has not created it yet.</summary>
    private static async Task<int> Count(QueueClient queue)
    {
        try
        {
            return (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return 0;
        }
    }
}
