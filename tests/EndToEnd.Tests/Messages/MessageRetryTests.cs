using AgentOS.Voice.Messages;
using AgentOS.Voice.Storage;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;

namespace AgentOS.Voice.EndToEnd.Tests.Messages;

public sealed class MessageRetryTests(MessagesFixture fixture) : IClassFixture<MessagesFixture>
{
    [Fact]
    public async Task Speech_that_keeps_failing_is_retried_then_poisoned_with_the_reason_on_the_record()
    {
        await using var elevenLabs = await FailingElevenLabs.StartAsync();
        await using var app = MessagesApp.Start(fixture.Azurite, fixture.Simulator, "ttsfail", new Dictionary<string, string>
        {
            ["Speech:ElevenLabs:ApiKey"] = "wrong-key",
            ["Speech:ElevenLabs:BaseUrl"] = elevenLabs.BaseUrl,
        });
        await app.CreateAgentAsync("tts-broken", "+15550000021");

        var accepted = await app.SendAsync("tts-broken", new { to = "+15551000021", text = "You will never hear this." });

        var failed = await app.WaitForStateAsync("tts-broken", accepted.Id(), "failed");
        var error = failed.GetProperty("error");
        Assert.Equal(MessageErrorCodes.Poisoned, error.GetProperty("code").GetString());
        Assert.Contains(FailingElevenLabs.ErrorMessage, error.GetProperty("message").GetString());
        Assert.Equal(5, failed.GetProperty("attempts").GetInt32());
        Assert.Equal(5, elevenLabs.Requests.Count);
        Assert.DoesNotContain(fixture.Simulator.Calls, c => c.To == "+15551000021");

        var poison = new QueueServiceClient(fixture.Azurite.ConnectionString)
            .GetQueueClient(new StorageOptions { NamePrefix = "ttsfail" }.Prefixed(StorageNames.PoisonQueueName(VoiceMessageQueue.QueueName)));
        var parked = await WaitForParkedAsync(poison);
        var job = VoiceMessageJob.Parse(QueueTriggerEncoding.Decode(Assert.Single(parked).Body.ToString()));
        Assert.Equal(accepted.Id(), job.MessageId);
    }

    // The function records the failure before it hands the last attempt back; the host moves the message to the
    // poison queue only after that, so the record can be seen first.
    private static async Task<PeekedMessage[]> WaitForParkedAsync(QueueClient poison)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            if (await poison.ExistsAsync())
            {
                var parked = (await poison.PeekMessagesAsync(10)).Value;
                if (parked.Length > 0 || DateTime.UtcNow > deadline)
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
