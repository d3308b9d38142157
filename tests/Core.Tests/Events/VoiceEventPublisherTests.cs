using System.Net;
using System.Text.Json;
using AgentOS.Voice.Events;
using Microsoft.Extensions.DependencyInjection;

namespace AgentOS.Voice.Core.Tests.Events;

public sealed class VoiceEventPublisherTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 2, 13, 0, 0, TimeSpan.Zero);

    private static VoiceEvent CallEvent(string agentId, string callId, string text = "hello") =>
        VoiceEvent.ForCall(VoiceEventTypes.CallerTurn, agentId, callId, At, new CallerTurnData(1, text));

    [Fact]
    public async Task Call_events_go_to_the_agents_and_the_calls_group_as_CloudEvents()
    {
        await using var harness = await PublisherHarness.StartAsync();
        await using var agentWatcher = await harness.ConnectAsync("agent.a");
        await using var callWatcher = await harness.ConnectAsync("call.c1");
        await using var otherAgent = await harness.ConnectAsync("agent.b");
        await agentWatcher.SendForAckAsync(new { type = "joinGroup", group = "agent.a", ackId = 1 }, 1);
        await callWatcher.SendForAckAsync(new { type = "joinGroup", group = "call.c1", ackId = 1 }, 1);
        await otherAgent.SendForAckAsync(new { type = "joinGroup", group = "agent.b", ackId = 1 }, 1);
        await harness.Publisher.StartAsync(CancellationToken.None);

        harness.Publisher.Publish(CallEvent("a", "c1"));
        harness.Publisher.Publish(VoiceEvent.ForCall(VoiceEventTypes.CallEnded, "b", "c2", At, new CallEndedData("caller-hung-up", 12.5, 10, 20, 30, 4)));

        var toAgent = await agentWatcher.ReceiveAsync();
        var toCall = await callWatcher.ReceiveAsync();
        var toOther = await otherAgent.ReceiveAsync();
        var cloudEvent = Assert.Single(toAgent.GetProperty("data").EnumerateArray());
        Assert.Equal("1.0", cloudEvent.GetProperty("specversion").GetString());
        Assert.Equal("agentos.voice.call.turn.caller", cloudEvent.GetProperty("type").GetString());
        Assert.Equal("/agents/a", cloudEvent.GetProperty("source").GetString());
        Assert.Equal("calls/c1", cloudEvent.GetProperty("subject").GetString());
        Assert.Equal("1", cloudEvent.GetProperty("schemaversion").GetString());
        Assert.Equal("c1", cloudEvent.GetProperty("callid").GetString());
        Assert.Equal(At, cloudEvent.GetProperty("time").GetDateTimeOffset());
        Assert.Equal(32, cloudEvent.GetProperty("id").GetString()!.Length);
        Assert.Equal("hello", cloudEvent.GetProperty("data").GetProperty("text").GetString()!);
        Assert.Equal(cloudEvent.GetRawText(), Assert.Single(toCall.GetProperty("data").EnumerateArray()).GetRawText());
        var ended = Assert.Single(toOther.GetProperty("data").EnumerateArray());
        Assert.Equal("agentos.voice.call.ended", ended.GetProperty("type").GetString());
        Assert.Equal(12.5, ended.GetProperty("data").GetProperty("durationSeconds").GetDouble());
        // The call.c2 send has no watcher to wait on and may still be in flight.
        await Eventually(() => harness.Sent == 4, "2 events sent to 2 groups each");
        Assert.Equal(["group:agent.a", "group:agent.b", "group:call.c1", "group:call.c2"],
            harness.StandIn.Sends.Select(s => s.Target).Order().ToArray());
    }

    [Fact]
    public async Task Events_buffered_together_go_out_as_one_array_per_group()
    {
        await using var harness = await PublisherHarness.StartAsync();
        for (var i = 0; i < 5; i++)
        {
            harness.Publisher.Publish(CallEvent("a", "c1", "turn " + i));
        }

        await harness.Publisher.StartAsync(CancellationToken.None);

        await Eventually(() => harness.Sent == 10, "5 events sent to 2 groups");
        var toAgent = harness.StandIn.Sends.Single(s => s.Target == "group:agent.a");
        var texts = JsonDocument.Parse(toAgent.Body).RootElement.EnumerateArray()
            .Select(e => e.GetProperty("data").GetProperty("text").GetString()!).ToArray();
        Assert.Equal(["turn 0", "turn 1", "turn 2", "turn 3", "turn 4"], texts);
    }

    [Fact]
    public async Task A_message_event_goes_to_the_agents_group_only()
    {
        await using var harness = await PublisherHarness.StartAsync();
        await harness.Publisher.StartAsync(CancellationToken.None);

        harness.Publisher.Publish(VoiceEvent.ForMessage(VoiceEventTypes.MessageAnswered, "a", "m1", At,
            new MessageStateData("in-progress", "+15550001111", CallSid: "CA1", AnsweredBy: "machine")));

        await Eventually(() => harness.Sent == 1, "one send");
        var send = Assert.Single(harness.StandIn.Sends);
        Assert.Equal("group:agent.a", send.Target);
        var data = JsonDocument.Parse(send.Body).RootElement[0];
        Assert.Equal("messages/m1", data.GetProperty("subject").GetString());
        Assert.Equal("machine", data.GetProperty("data").GetProperty("answeredBy").GetString());
        Assert.False(data.GetProperty("data").TryGetProperty("error", out _)); // nulls are left out
    }

    [Fact]
    public async Task A_full_buffer_drops_new_events_counts_and_logs_them_and_never_waits()
    {
        await using var harness = await PublisherHarness.StartAsync(o => o.BufferCapacity = 2);

        // The sending loop is not started, so nothing leaves the buffer: the third event onwards has no room.
        for (var i = 0; i < 5; i++)
        {
            harness.Publisher.Publish(CallEvent("a", "c1", "turn " + i));
        }

        Assert.Equal(3, harness.Dropped);
        var warning = Assert.Single(harness.Logger.Warnings);
        Assert.Contains("1 because the buffer of 2 was full", warning);
        await harness.Publisher.StartAsync(CancellationToken.None);
        await Eventually(() => harness.Sent == 4, "the 2 buffered events sent to 2 groups");
        var texts = JsonDocument.Parse(harness.StandIn.Sends.First().Body).RootElement.EnumerateArray()
            .Select(e => e.GetProperty("data").GetProperty("text").GetString()!);
        Assert.Equal(["turn 0", "turn 1"], texts);
    }

    [Theory]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    [InlineData(HttpStatusCode.TooManyRequests)]
    [InlineData(HttpStatusCode.InternalServerError)]
    public async Task Throttling_and_server_errors_are_retried(HttpStatusCode status)
    {
        await using var harness = await PublisherHarness.StartAsync(o => o.MaxConcurrentSends = 1);
        harness.StandIn.FailNextSends(3, status, TimeSpan.Zero);
        await harness.Publisher.StartAsync(CancellationToken.None);

        harness.Publisher.Publish(VoiceEvent.ForMessage(VoiceEventTypes.MessageQueued, "a", "m1", At, new MessageStateData("queued", "+15550001111")));

        await Eventually(() => harness.Sent == 1, "the send that succeeded on its 4th attempt");
        Assert.Single(harness.StandIn.Sends);
        Assert.Equal(0, harness.Dropped);
    }

    [Fact]
    public async Task A_send_still_failing_after_the_last_attempt_is_counted_as_dropped()
    {
        await using var harness = await PublisherHarness.StartAsync(o => (o.MaxAttempts, o.MaxConcurrentSends) = (2, 1));
        harness.StandIn.FailNextSends(2, HttpStatusCode.BadGateway);
        await harness.Publisher.StartAsync(CancellationToken.None);

        harness.Publisher.Publish(VoiceEvent.ForMessage(VoiceEventTypes.MessageQueued, "a", "m1", At, new MessageStateData("queued", "+15550001111")));
        harness.Publisher.Publish(VoiceEvent.ForMessage(VoiceEventTypes.MessageQueued, "a", "m2", At, new MessageStateData("queued", "+15550001111")));

        // The line is written after the round's sends, so it is waited for, not expected with the counter.
        await Eventually(() => harness.Logger.Warnings.Any(w => w.Contains("Web PubSub refused or failed") && w.Contains("502")), "the drop logged");
        await Eventually(() => harness.Dropped + harness.Sent == 2, "both events sent or dropped");
        Assert.True(harness.Dropped >= 1);
    }

    [Fact]
    public async Task A_refused_token_is_not_retried()
    {
        await using var harness = await PublisherHarness.StartAsync();
        var wrongKey = new WebPubSubServiceClient(new HttpClient(),
            WebPubSubServiceClientOptions.FromConnectionString($"Endpoint={harness.StandIn.BaseUrl};AccessKey={new string('x', 44)};Version=1.0;", "calls"),
            TimeProvider.System);

        var error = await Assert.ThrowsAsync<WebPubSubRequestException>(() => wrongKey.SendToGroupAsync("agent.a", "[]"u8.ToArray(), CancellationToken.None));

        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
        Assert.False(error.IsTransient);
        Assert.Contains("signature", error.Message);
        Assert.Empty(harness.StandIn.Sends);
    }

    [Fact]
    public async Task A_client_token_for_agent_A_cannot_join_agent_Bs_group()
    {
        await using var harness = await PublisherHarness.StartAsync();
        await using var client = await harness.ConnectAsync("agent.a", "call.c1");

        var own = await client.SendForAckAsync(new { type = "joinGroup", group = "agent.a", ackId = 1 }, 1);
        var call = await client.SendForAckAsync(new { type = "joinGroup", group = "call.c1", ackId = 2 }, 2);
        var other = await client.SendForAckAsync(new { type = "joinGroup", group = "agent.b", ackId = 3 }, 3);

        Assert.True(own.GetProperty("success").GetBoolean());
        Assert.True(call.GetProperty("success").GetBoolean());
        Assert.Equal("Forbidden", other.GetProperty("error").GetProperty("name").GetString());
    }

    [Fact]
    public async Task Disabled_events_publish_nothing()
    {
        var publisher = new VoiceEventPublisher(null, new EventsOptions(), TimeProvider.System,
            new ServiceCollection().AddMetrics().BuildServiceProvider()
                .GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(),
            new ListLogger<VoiceEventPublisher>());
        await publisher.StartAsync(CancellationToken.None);

        publisher.Publish(CallEvent("a", "c1"));

        Assert.False(publisher.Enabled);
        await publisher.StopAsync(CancellationToken.None);
    }

    private static Task Eventually(Func<bool> condition, string what) => TestSupport.Eventually.True(condition, what);
}
