using AgentOS.Voice.Messages;
using AgentOS.Voice.Storage;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Microsoft.AspNetCore.Http;
using Azure.Storage.Queues.Models;

namespace AgentOS.Voice.EndToEnd.Tests.Messages;

public sealed class MessageRetryTests(MessagesFixture fixture) : IClassFixture<MessagesFixture>
{
    [Fact]
    public async Task Speech_refusing_the_key_poisons_at_once_with_the_reason_on_the_record()
    {
        await using var elevenLabs = await FailingElevenLabs.StartAsync();
        await using var app = MessagesApp.Start(fixture.Azurite, fixture.Simulator, "ttsfail", ElevenLabs(elevenLabs));
        await app.CreateAgentAsync("tts-broken", "+15550000021");

        var accepted = await app.SendAsync("tts-broken", new { to = "+15551000021", text = "You will never hear this." });

        var failed = await app.WaitForStateAsync("tts-broken", accepted.Id(), "failed");
        var error = failed.GetProperty("error");
        Assert.Equal(MessageErrorCodes.Poisoned, error.GetProperty("code").GetString());
        Assert.Contains(FailingElevenLabs.ErrorMessage, error.GetProperty("message").GetString());
        Assert.Equal(1, failed.GetProperty("attempts").GetInt32());
        Assert.Single(elevenLabs.Requests);
        Assert.DoesNotContain(fixture.Simulator.Calls, c => c.To == "+15551000021");

        var parked = await WaitForParkedAsync(Poison("ttsfail"));
        var job = VoiceMessageJob.Parse(QueueTriggerEncoding.Decode(Assert.Single(parked).Body.ToString()));
        Assert.Equal(accepted.Id(), job.MessageId);
    }

    [Fact]
    public async Task Speech_down_for_a_while_is_retried_with_growing_delays_and_the_message_still_goes_out()
    {
        // One attempt is the client's request and its 3 quick retries: the first attempt fails, the second is answered.
        await using var elevenLabs = await FailingElevenLabs.StartAsync(StatusCodes.Status503ServiceUnavailable, failures: 4);
        await using var app = MessagesApp.Start(fixture.Azurite, fixture.Simulator, "ttsflaky", new Dictionary<string, string>(ElevenLabs(elevenLabs))
        {
            ["Messages:RetryFirstDelay"] = "00:00:00.200",
        });
        await app.CreateAgentAsync("tts-flaky", "+15550000022");

        var accepted = await app.SendAsync("tts-flaky", new { to = "+15551000022", text = "Better late than never." });

        var done = await app.WaitForStateAsync("tts-flaky", accepted.Id(), "completed");
        Assert.Equal(2, done.GetProperty("attempts").GetInt32());
        Assert.Equal(5, elevenLabs.Requests.Count);
        var notes = done.GetProperty("history").EnumerateArray().Select(h => h.String("detail") ?? string.Empty).ToList();
        Assert.Contains(notes, n => n.Contains(FailingElevenLabs.OutageMessage) && n.EndsWith("next try in 00:00:00.2000000", StringComparison.Ordinal));
        Assert.Single(fixture.Simulator.Calls, c => c.To == "+15551000022");
    }

    [Fact]
    public async Task Speech_that_hangs_is_timed_out_retried_later_and_the_message_still_goes_out()
    {
        // The first attempt's request and its 3 quick retries are never answered; the second attempt's is.
        await using var elevenLabs = await FailingElevenLabs.StartAsync(failures: 4, hang: true);
        await using var app = MessagesApp.Start(fixture.Azurite, fixture.Simulator, "ttshang", new Dictionary<string, string>(ElevenLabs(elevenLabs))
        {
            ["Messages:RetryFirstDelay"] = "00:00:00.200",
            ["Speech:ElevenLabs:Resilience:AttemptTimeout:Timeout"] = "00:00:00.500",
            ["Speech:ElevenLabs:Resilience:TotalRequestTimeout:Timeout"] = "00:00:10",
        });
        await app.CreateAgentAsync("tts-hang", "+15550000024");

        var accepted = await app.SendAsync("tts-hang", new { to = "+15551000024", text = "Slow but sure." });

        var done = await app.WaitForStateAsync("tts-hang", accepted.Id(), "completed");
        Assert.Equal(2, done.GetProperty("attempts").GetInt32());
        Assert.Equal(5, elevenLabs.Requests.Count);
        Assert.Single(fixture.Simulator.Calls, c => c.To == "+15551000024");
    }

    [Fact]
    public async Task Speech_down_past_the_retry_window_is_poisoned_with_the_reason_on_the_record()
    {
        await using var elevenLabs = await FailingElevenLabs.StartAsync(StatusCodes.Status502BadGateway);
        await using var app = MessagesApp.Start(fixture.Azurite, fixture.Simulator, "ttsdown", new Dictionary<string, string>(ElevenLabs(elevenLabs))
        {
            // Delays that fit a handful of attempts in the window: past 100 failed requests in 30 s the client's
            // circuit breaker would open and later attempts would fail without reaching ElevenLabs.
            ["Messages:RetryFirstDelay"] = "00:00:00.100",
            ["Messages:RetryMaxDelay"] = "00:00:01",
            ["Messages:RetryWindow"] = "00:00:05",
        });
        await app.CreateAgentAsync("tts-down", "+15550000023");

        var accepted = await app.SendAsync("tts-down", new { to = "+15551000023", text = "Nobody hears this." });

        var failed = await app.WaitForStateAsync("tts-down", accepted.Id(), "failed");
        var error = failed.GetProperty("error");
        Assert.Equal(MessageErrorCodes.Poisoned, error.GetProperty("code").GetString());
        Assert.Contains("RetryWindow", error.GetProperty("message").GetString());
        // However many retries fit in the window on this machine: more than one, each the client's request and its 3 retries.
        var attempts = failed.GetProperty("attempts").GetInt32();
        Assert.InRange(attempts, 2, 100);
        Assert.Equal(4 * attempts, elevenLabs.Requests.Count);
        Assert.Single(await WaitForParkedAsync(Poison("ttsdown")));
    }

    [Fact]
    public async Task Jobs_that_can_never_be_sent_are_poisoned_at_once_with_their_reason_stored()
    {
        var queue = new QueueServiceClient(fixture.Azurite.ConnectionString)
            .GetQueueClient(new StorageOptions { NamePrefix = "badjobs" }.Prefixed(VoiceMessageQueue.QueueName));
        await queue.CreateIfNotExistsAsync();
        await queue.SendEncodedAsync("{not json");
        await queue.SendEncodedAsync("""{"messageId":"m-nobody","agentId":"no-such-agent","to":"+15551000024","text":"Hello"}""");
        await using var app = MessagesApp.Start(fixture.Azurite, fixture.Simulator, "badjobs");

        var parked = await WaitForParkedAsync(Poison("badjobs"), count: 2);

        Assert.Equal(2, parked.Length);
        var reasons = new TableServiceClient(fixture.Azurite.ConnectionString)
            .GetTableClient(new StorageOptions { NamePrefix = "badjobs" }.Prefixed(PoisonedJobs.TableName))
            .Query<TableEntity>().Select(e => e.GetString("Reason")).ToList();
        Assert.Contains(reasons, r => r.Contains("not a voice message job", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r.Contains("There is no agent 'no-such-agent'", StringComparison.Ordinal));
    }

    // The client's own quick retries kept (3) but made quick and without jitter, so each attempt makes 4 requests at once.
    private static Dictionary<string, string> ElevenLabs(FailingElevenLabs fake) => new()
    {
        ["Speech:ElevenLabs:ApiKey"] = "test-key-not-real",
        ["Speech:ElevenLabs:BaseUrl"] = fake.BaseUrl,
        ["Speech:ElevenLabs:Resilience:Retry:Delay"] = "00:00:00.010",
        ["Speech:ElevenLabs:Resilience:Retry:UseJitter"] = "false",
    };

    private QueueClient Poison(string prefix) => new QueueServiceClient(fixture.Azurite.ConnectionString)
        .GetQueueClient(new StorageOptions { NamePrefix = prefix }.Prefixed(StorageNames.PoisonQueueName(VoiceMessageQueue.QueueName)));

    // The record can say it failed a moment before the job reaches the poison queue: wait for the queue too.
    private static async Task<PeekedMessage[]> WaitForParkedAsync(QueueClient poison, int count = 1)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            if (await poison.ExistsAsync())
            {
                var parked = (await poison.PeekMessagesAsync(10)).Value;
                if (parked.Length >= count || DateTime.UtcNow > deadline)
                    return parked;
            }
            else if (DateTime.UtcNow > deadline)
                return [];
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task A_number_Twilio_refuses_fails_at_once_with_Twilios_code()
    {
        // Twilio answers 21211 when To equals From.
        await fixture.App.CreateAgentAsync("self-call", "+15550000031");

        var accepted = await fixture.App.SendAsync("self-call", new { to = "+15550000031", text = "Calling myself." });

        var failed = await fixture.App.WaitForStateAsync("self-call", accepted.Id(), "failed");
        Assert.Equal("twilio-21211", failed.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(1, failed.GetProperty("attempts").GetInt32());
        Assert.Null(failed.String("callSid"));
    }
}
