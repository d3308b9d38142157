using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AgentOS.Voice.Calls;
using AgentOS.Voice.Events;
using AgentOS.Voice.Functions.Tests.Calls;
using AgentOS.Voice.TestSupport;
using AgentOS.Voice.WebPubSubStandIn;
using StandInServer = AgentOS.Voice.WebPubSubStandIn.WebPubSubStandIn;

namespace AgentOS.Voice.Functions.Tests.Events;

/// <summary>
/// The Functions app with events on: Twilio's signed status callbacks become call.ringing and call.answered, and its
/// message writes become message.*, watched through negotiate and the stand-in.
/// </summary>
public sealed class FunctionsAppEventsTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private StandInServer _standIn = null!;
    private LiveCallTestApp _t = null!;

    public async Task InitializeAsync()
    {
        _standIn = new StandInServer(new WebPubSubStandInOptions());
        await _standIn.StartAsync();
        _t = await LiveCallTestApp.StartAsync(azurite, ("Events:WebPubSubConnectionString", _standIn.ConnectionString));
    }

    public async Task DisposeAsync()
    {
        await _t.DisposeAsync();
        await _standIn.DisposeAsync();
    }

    [Fact]
    public async Task Ringing_and_answered_status_callbacks_reach_the_agents_group_and_other_statuses_do_not()
    {
        var agent = await _t.AddAgentAsync();
        var callId = "call-" + Guid.NewGuid().ToString("n")[..8];
        var sid = LiveCallTestApp.NewCallSid();
        await _t.Calls.UpsertCallAsync(new CallRecord { CallId = callId, AgentId = agent.Id, CallSid = sid, Direction = "outbound", From = agent.PhoneNumber, To = "+14155550123" });
        using var api = _t.App.CreateManagementClient();
        var url = (await api.GetFromJsonAsync<JsonElement>($"/api/events/negotiate?agentId={agent.Id}")).GetProperty("url").GetString()!;
        await using var watcher = await WebPubSubTestClient.ConnectAsync(url);
        await watcher.JoinAsync(EventGroups.Agent(agent.Id));

        foreach (var (status, extra) in new[] { ("initiated", ""), ("ringing", ""), ("in-progress", "human") })
        {
            var form = LiveCallTestApp.VoiceForm(sid, ("CallStatus", status), ("Direction", "outbound-api"));
            if (extra.Length > 0)
            {
                form["AnsweredBy"] = extra;
            }

            using var response = await _t.PostSignedAsync($"/agents/{agent.Id}/call-status?callId={callId}", form);
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }

        var events = await watcher.ReceiveEventsUntilAsync(e => e.GetProperty("type").GetString() == VoiceEventTypes.CallAnswered);

        Assert.Equal([VoiceEventTypes.CallRinging, VoiceEventTypes.CallAnswered], events.Select(e => e.GetProperty("type").GetString()));
        Assert.All(events, e => Assert.Equal("calls/" + callId, e.GetProperty("subject").GetString()));
        var answered = events[1].GetProperty("data");
        Assert.Equal(sid, answered.GetProperty("callSid").GetString());
        Assert.Equal("outbound-api", answered.GetProperty("direction").GetString());
        Assert.Equal("in-progress", answered.GetProperty("status").GetString());
        Assert.Equal("human", answered.GetProperty("answeredBy").GetString());
        Assert.False(events[0].GetProperty("data").TryGetProperty("answeredBy", out _));
    }

    [Fact]
    public async Task A_message_sent_and_canceled_through_the_API_gives_queued_then_failed_as_canceled()
    {
        var agent = await _t.AddAgentAsync();
        using var api = _t.App.CreateManagementClient();
        var url = (await api.GetFromJsonAsync<JsonElement>($"/api/events/negotiate?agentId={agent.Id}")).GetProperty("url").GetString()!;
        await using var watcher = await WebPubSubTestClient.ConnectAsync(url);
        await watcher.JoinAsync(EventGroups.Agent(agent.Id));

        // Due in an hour, so no worker claims it before the cancel.
        using var sent = await api.PostAsJsonAsync($"/api/agents/{agent.Id}/messages",
            new { to = "+14155550123", text = "Your table is ready.", sendAt = DateTimeOffset.UtcNow.AddHours(1) });
        Assert.Equal(HttpStatusCode.Accepted, sent.StatusCode);
        var messageId = (await sent.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        using var canceled = await api.DeleteAsync($"/api/agents/{agent.Id}/messages/{messageId}");
        Assert.Equal(HttpStatusCode.OK, canceled.StatusCode);

        var events = await watcher.ReceiveEventsUntilAsync(e => e.GetProperty("type").GetString() == VoiceEventTypes.MessageFailed);

        Assert.Equal([VoiceEventTypes.MessageQueued, VoiceEventTypes.MessageFailed], events.Select(e => e.GetProperty("type").GetString()));
        Assert.All(events, e => Assert.Equal("messages/" + messageId, e.GetProperty("subject").GetString()));
        Assert.Equal("queued", events[0].GetProperty("data").GetProperty("state").GetString());
        Assert.Equal("canceled", events[1].GetProperty("data").GetProperty("state").GetString());
        Assert.Equal("+14155550123", events[1].GetProperty("data").GetProperty("to").GetString());
    }
}
