using AgentOS.Voice.Functions.Queues;
using AgentOS.Voice.Storage;
using AgentOS.Voice.TestSupport;
using Azure;
using Azure.Storage.Queues;
using Microsoft.Extensions.DependencyInjection;

namespace AgentOS.Voice.Functions.Tests.Queues;

/// <summary>The in-process poller used when no Functions host runs, against real Azurite queues.</summary>
public sealed class LocalQueuePollerTests : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private const string Prefix = "poll";
    private readonly HandlerLog _log = new();
    private readonly FunctionsAppFactory _app;
    private readonly QueueClient _queue;
    private readonly QueueClient _poison;

    public LocalQueuePollerTests(AzuriteFixture azurite)
    {
        // Each test gets its own queue so messages of one never reach another's assertions.
        var queueName = "jobs" + Guid.NewGuid().ToString("N")[..8];
        _app = new FunctionsAppFactory(azurite.ConnectionString, Prefix,
            new Dictionary<string, string>
            {
                ["Functions:LocalQueuePolling"] = "true",
                ["Functions:RetryDelay"] = "00:00:00.200",
                ["Functions:MinPollingInterval"] = "00:00:00.050",
                ["Functions:MaxPollingInterval"] = "00:00:00.250",
            },
            services => services.AddSingleton(_log).AddQueueFunction<RecordingHandler>("TestJob", queueName, "job"));
        var queues = new QueueServiceClient(azurite.ConnectionString);
        _queue = queues.GetQueueClient(Prefix + queueName);
        _poison = queues.GetQueueClient(Prefix + queueName + "-poison");
    }

    public async Task InitializeAsync()
    {
        await _queue.CreateIfNotExistsAsync();
        _ = _app.Services; // starts the app and its pollers
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    /// <summary>Messages in the queue; none while the poller, starting in the background, has not created it yet.</summary>
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

    [Fact]
    public async Task A_handled_message_is_deleted()
    {
        await _queue.SendEncodedAsync("{\"n\":1}");

        await Eventually.True(() => Task.FromResult(_log.Attempts.Any(a => a.MessageText == "{\"n\":1}")), "the message is handled");
        await Eventually.True(async () => await Count(_queue) == 0, "the handled message is deleted");
        Assert.Single(_log.Attempts);
        Assert.Empty(_log.Poisoned);
    }

    [Fact]
    public async Task A_message_that_keeps_failing_is_tried_five_times_then_poisoned_with_the_reason()
    {
        await _queue.SendEncodedAsync("fail always");

        await Eventually.True(async () => await Count(_poison) == 1, "the message reaches the poison queue");

        var poisoned = (await _poison.ReceiveMessageAsync()).Value;
        Assert.Equal("fail always", QueueTriggerEncoding.Decode(poisoned.Body.ToString()));
        Assert.Equal([1L, 2, 3, 4, 5], _log.Attempts.Select(a => a.DequeueCount).Order().ToArray());
        var (message, reason) = Assert.Single(_log.Poisoned);
        Assert.Equal(5, message.DequeueCount);
        Assert.Contains("cannot do 'fail always'", reason);
        Assert.Equal(0, await Count(_queue));
    }

    [Fact]
    public async Task A_message_that_is_not_base64_is_poisoned_without_reaching_the_handler()
    {
        await _queue.SendMessageAsync("plain text {not base64}");

        await Eventually.True(async () => await Count(_poison) == 1, "the message reaches the poison queue");

        Assert.Equal("plain text {not base64}", (await _poison.ReceiveMessageAsync()).Value.Body.ToString());
        Assert.Empty(_log.Attempts);
        Assert.Contains("base64", Assert.Single(_log.Poisoned).Reason);
    }

    [Fact]
    public async Task A_delayed_message_waits_until_it_is_visible()
    {
        await _queue.SendEncodedAsync("later", initialVisibilityDelay: TimeSpan.FromSeconds(4));
        await _queue.SendEncodedAsync("now");

        await Eventually.True(() => Task.FromResult(_log.Attempts.Any(a => a.MessageText == "now")), "the immediate message is handled");
        Assert.DoesNotContain(_log.Attempts, a => a.MessageText == "later");

        await Eventually.True(() => Task.FromResult(_log.Attempts.Any(a => a.MessageText == "later")), "the delayed message is handled once visible");
    }
}
