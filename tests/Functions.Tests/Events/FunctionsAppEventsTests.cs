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
/// The Functions app with events on: Twilio's signed status callbacks and incoming-call webhooks become call.ringing
/// and call.answered, and its message writes become message.*, watched through negotiate and the stand-in.
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

    /// <summary>A client in the agent's group, through negotiate as the console joins it.</summary>
    private async Task<WebPubSubTestClient> WatchAsync(string agentId)
    {
        using var api = _t.App.CreateManagementClient();
        var url = (await api.GetFromJsonAsync<JsonElement>($"/api/events/negotiate?agentId={agentId}")).GetProperty("url").GetString()!;
        var watcher = await WebPubSubTestClient.ConnectAsync(url);
        await watcher.JoinAsync(EventGroups.Agent(agentId));
        return watcher;
    }

    [Fact]
    public async Task Ringing_and_answered_status_callbacks_reach_the_agents_group_and_other_statuses_do_not()
    {
        var agent = await _t.AddAgentAsync();
        var callId = "call-" + Guid.NewGuid().ToString("n")[..8];
        var sid = LiveCallTestApp.NewCallSid();
        await _t.Calls.UpsertCallAsync(new CallRecord { CallId = callId, AgentId = agent.Id, CallSid = sid, Direction = "outbound", From = agent.PhoneNumber, To = "+14155550123" });
        await using var watcher = await WatchAsync(agent.Id);

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
    public async Task A_signed_incoming_call_the_agent_takes_is_ringing_then_answered()
    {
        var agent = await _t.AddAgentAsync();
        var sid = LiveCallTestApp.NewCallSid();
        await using var watcher = await WatchAsync(agent.Id);

        await _t.TwimlAsync($"/agents/{agent.Id}/incoming-call", LiveCallTestApp.VoiceForm(sid));

        var events = await watcher.ReceiveEventsUntilAsync(e => e.GetProperty("type").GetString() == VoiceEventTypes.CallAnswered);
        Assert.Equal([VoiceEventTypes.CallRinging, VoiceEventTypes.CallAnswered], events.Select(e => e.GetProperty("type").GetString()));
        // An inbound call's id is its call sid.
        Assert.All(events, e => Assert.Equal(sid, e.GetProperty("callid").GetString()));
        Assert.All(events, e => Assert.Equal("calls/" + sid, e.GetProperty("subject").GetString()));
        Assert.Equal(["ringing", "in-progress"], events.Select(e => e.GetProperty("data").GetProperty("status").GetString()));
        Assert.All(events, e => Assert.Equal(sid, e.GetProperty("data").GetProperty("callSid").GetString()));
        Assert.All(events, e => Assert.Equal("inbound", e.GetProperty("data").GetProperty("direction").GetString()));
        Assert.True(events[0].GetProperty("time").GetDateTimeOffset() <= events[1].GetProperty("time").GetDateTimeOffset());
    }

    [Fact]
    public async Task Forged_incoming_calls_and_calls_to_a_disabled_agent_publish_nothing()
    {
        var agent = await _t.AddAgentAsync();
        await using var watcher = await WatchAsync(agent.Id);

        var forgedSid = LiveCallTestApp.NewCallSid();
        using (var forged = await _t.PostSignedAsync($"/agents/{agent.Id}/incoming-call", LiveCallTestApp.VoiceForm(forgedSid), Convert.ToBase64String(new byte[20])))
        {
            Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
        }

        await _t.Agents.UpdateAsync(agent with { Enabled = false });
        var refusedSid = LiveCallTestApp.NewCallSid();
        var apology = await _t.TwimlAsync($"/agents/{agent.Id}/incoming-call", LiveCallTestApp.VoiceForm(refusedSid));
        Assert.Equal(["Say", "Hangup"], apology.Elements().Select(e => e.Name.LocalName));

        // A call taken afterwards marks the end: a group's events arrive in the order they were published, so any
        // event of the two requests above would come before this call's.
        await _t.Agents.UpdateAsync(agent with { Enabled = true });
        var takenSid = LiveCallTestApp.NewCallSid();
        await _t.TwimlAsync($"/agents/{agent.Id}/incoming-call", LiveCallTestApp.VoiceForm(takenSid));

        var events = await watcher.ReceiveEventsUntilAsync(e => e.GetProperty("type").GetString() == VoiceEventTypes.CallAnswered);
        Assert.All(events, e => Assert.Equal(takenSid, e.GetProperty("callid").GetString()));
        Assert.Equal(2, events.Count);
    }

    [Fact]
    public async Task A_message_sent_and_canceled_through_the_API_gives_queued_then_failed_as_canceled()
    {
        var agent = await _t.AddAgentAsync();
        using var api = _t.App.CreateManagementClient();
        await using var watcher = await WatchAsync(agent.Id);

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
