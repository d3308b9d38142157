using System.Net;
using System.Xml.Linq;
using AgentOS.Voice.Agents;
using AgentOS.Voice.Calls;
using AgentOS.Voice.Hosting;
using AgentOS.Voice.Simulator.Signing;
using AgentOS.Voice.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace AgentOS.Voice.Functions.Tests.Calls;

public sealed class LiveCallWebhookTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private LiveCallTestApp _t = null!;

    public async Task InitializeAsync() => _t = await LiveCallTestApp.StartAsync(azurite);

    public async Task DisposeAsync() => await _t.DisposeAsync();

    [Fact]
    public async Task Starting_the_app_writes_a_relay_twiml_once_before_the_first_call_needs_one()
    {
        var warmUp = _t.App.Services.GetRequiredService<LiveCallWarmUp>();

        await warmUp.Warming.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(warmUp.BytesWritten > 0);
    }

    [Fact]
    public async Task Incoming_call_connects_the_agents_relay_with_its_settings_and_creates_the_call_record()
    {
        var agent = await _t.AddAgentAsync(a => a with
        {
            Voice = "voice-en",
            Language = "en-GB",
            TtsProvider = "Google",
            TranscriptionProvider = "Google",
            OtherLanguages = [new AgentLanguage("es-ES", "voice-es", "ElevenLabs", "Deepgram")],
        });
        var sid = LiveCallTestApp.NewCallSid();

        var twiml = await _t.TwimlAsync($"/agents/{agent.Id}/incoming-call", LiveCallTestApp.VoiceForm(sid));

        var connect = Assert.Single(twiml.Elements());
        Assert.Equal("Connect", connect.Name.LocalName);
        Assert.Equal($"{LiveCallTestApp.FunctionsBase}/agents/{agent.Id}/relay-action?callId={sid}&attempt=1", (string?)connect.Attribute("action"));
        Assert.Equal("POST", (string?)connect.Attribute("method"));
        var relay = Assert.Single(connect.Elements());
        Assert.Equal("ConversationRelay", relay.Name.LocalName);
        var url = (string)relay.Attribute("url")!;
        Assert.StartsWith($"{LiveCallTestApp.RelayBase}/agents/{agent.Id}/ws?", url);
        Assert.Equal((sid, 1), _t.TicketOf(agent.Id, url) is { } ticket ? (ticket.CallId, ticket.Attempt) : default);
        Assert.Null(_t.TicketOf("another-agent", url));
        Assert.Equal("Hello, this is the front desk.", (string?)relay.Attribute("welcomeGreeting"));
        Assert.Equal("en-GB", (string?)relay.Attribute("language"));
        Assert.Equal("voice-en", (string?)relay.Attribute("voice"));
        Assert.Equal("Google", (string?)relay.Attribute("ttsProvider"));
        Assert.Equal("Google", (string?)relay.Attribute("transcriptionProvider"));
        Assert.Equal("any", (string?)relay.Attribute("interruptible"));
        Assert.Equal("true", (string?)relay.Attribute("dtmfDetection"));
        Assert.Null(relay.Attribute("partialPrompts")); // only agents with preemptive generation read unfinished words
        var language = Assert.Single(relay.Elements(), e => e.Name.LocalName == "Language");
        Assert.Equal(("es-ES", "voice-es", "ElevenLabs", "Deepgram"),
            ((string?)language.Attribute("code"), (string?)language.Attribute("voice"), (string?)language.Attribute("ttsProvider"), (string?)language.Attribute("transcriptionProvider")));
        var parameters = relay.Elements().Where(e => e.Name.LocalName == "Parameter").ToDictionary(e => (string)e.Attribute("name")!, e => (string)e.Attribute("value")!);
        parameters.Remove(VoiceTelemetry.TraceParentParameter);
        Assert.Equal(new Dictionary<string, string> { ["callId"] = sid, ["agentId"] = agent.Id }, parameters);

        var record = await _t.WaitForCallAsync(sid);
        Assert.Equal((agent.Id, sid, "inbound", "+14155550123", CallState.InProgress), (record.AgentId, record.CallSid, record.Direction, record.From, record.State));
    }

    [Fact]
    public async Task The_relay_parameters_carry_the_webhook_trace_so_the_relay_call_continues_it()
    {
        var agent = await _t.AddAgentAsync();
        const string twilioTrace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

        var twiml = await _t.TwimlAsync($"/agents/{agent.Id}/incoming-call", LiveCallTestApp.VoiceForm(LiveCallTestApp.NewCallSid()), twilioTrace);

        var parameter = twiml.Descendants().Single(e => e.Name.LocalName == "Parameter" && (string?)e.Attribute("name") == VoiceTelemetry.TraceParentParameter);
        var webhook = System.Diagnostics.ActivityContext.Parse((string)parameter.Attribute("value")!, null);
        Assert.Equal("4bf92f3577b34da6a3ce929d0e0e4736", webhook.TraceId.ToHexString());
        Assert.NotEqual("00f067aa0ba902b7", webhook.SpanId.ToHexString());
    }

    [Fact]
    public async Task An_agent_with_preemptive_generation_asks_for_partial_prompts()
    {
        var agent = await _t.AddAgentAsync(a => a with { PreemptiveGeneration = true });

        var twiml = await _t.TwimlAsync($"/agents/{agent.Id}/incoming-call", LiveCallTestApp.VoiceForm(LiveCallTestApp.NewCallSid()));

        var relay = twiml.Descendants().Single(e => e.Name.LocalName == "ConversationRelay");
        Assert.Equal("true", (string?)relay.Attribute("partialPrompts"));
    }

    [Fact]
    public async Task Greeting_with_markup_is_escaped_not_interpreted()
    {
        var agent = await _t.AddAgentAsync(a => a with { Greeting = "Hi <Hangup/> & \"welcome\"" });

        var twiml = await _t.TwimlAsync($"/agents/{agent.Id}/incoming-call", LiveCallTestApp.VoiceForm(LiveCallTestApp.NewCallSid()));

        var relay = twiml.Descendants().Single(e => e.Name.LocalName == "ConversationRelay");
        Assert.Equal("Hi <Hangup/> & \"welcome\"", (string?)relay.Attribute("welcomeGreeting"));
        Assert.DoesNotContain(twiml.Descendants(), e => e.Name.LocalName == "Hangup");
    }

    [Fact]
    public async Task Greeting_and_voice_with_characters_xml_cannot_carry_still_connect_the_call()
    {
        var agent = await _t.AddAgentAsync(a => a with { Greeting = "Hi\u0001 there \uD800👋", Voice = "voice\u001B-1" });

        var twiml = await _t.TwimlAsync($"/agents/{agent.Id}/incoming-call", LiveCallTestApp.VoiceForm(LiveCallTestApp.NewCallSid()));

        var relay = twiml.Descendants().Single(e => e.Name.LocalName == "ConversationRelay");
        Assert.Equal("Hi there 👋", (string?)relay.Attribute("welcomeGreeting"));
        Assert.Equal("voice-1", (string?)relay.Attribute("voice"));
    }

    [Fact]
    public async Task Unknown_or_disabled_agent_hears_an_apology_and_the_call_hangs_up()
    {
        var disabled = await _t.AddAgentAsync(a => a with { Enabled = false });
        foreach (var agentId in new[] { "no-such-agent", disabled.Id })
        {
            var sid = LiveCallTestApp.NewCallSid();
            var twiml = await _t.TwimlAsync($"/agents/{agentId}/incoming-call", LiveCallTestApp.VoiceForm(sid));

            Assert.Equal(["Say", "Hangup"], twiml.Elements().Select(e => e.Name.LocalName));
            Assert.Contains("Sorry", twiml.Elements().First().Value);
            Assert.Null(await _t.Calls.GetCallAsync(sid));
        }
    }

    [Fact]
    public async Task Forged_or_unsigned_webhooks_get_403_and_change_nothing()
    {
        var agent = await _t.AddAgentAsync();
        var sid = LiveCallTestApp.NewCallSid();
        var form = LiveCallTestApp.VoiceForm(sid);
        var forged = Convert.ToBase64String(new byte[20]);

        foreach (var path in new[] { "incoming-call", "outbound-call?callId=x", $"relay-action?callId={sid}&attempt=1", $"call-status?callId={sid}" })
        {
            using var response = await _t.PostSignedAsync($"/agents/{agent.Id}/{path}", form, forged);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        // Signed for another URL: a valid signature of a different call cannot be replayed here.
        var other = TwilioRequestSigner.Sign(LiveCallTestApp.AuthToken, LiveCallTestApp.FunctionsBase + "/agents/other/incoming-call", form);
        using (var replayed = await _t.PostSignedAsync($"/agents/{agent.Id}/incoming-call", form, other))
        {
            Assert.Equal(HttpStatusCode.Forbidden, replayed.StatusCode);
        }

        Assert.Null(await _t.Calls.GetCallAsync(sid));
    }

    [Fact]
    public async Task Outbound_call_webhook_fills_the_greeting_from_the_stored_context()
    {
        var agent = await _t.AddAgentAsync();
        var callId = Guid.NewGuid().ToString("n");
        await _t.Contexts.SaveAsync(new CallContext { CallId = callId, AgentId = agent.Id, To = "+14155550123", From = agent.PhoneNumber, Context = new Dictionary<string, string> { ["name"] = "Ada" } });

        var twiml = await _t.TwimlAsync($"/agents/{agent.Id}/outbound-call?callId={callId}", LiveCallTestApp.VoiceForm(LiveCallTestApp.NewCallSid(), ("Direction", "outbound-api")));

        var relay = twiml.Descendants().Single(e => e.Name.LocalName == "ConversationRelay");
        Assert.Equal("Hello Ada, this is the front desk.", (string?)relay.Attribute("welcomeGreeting"));
        Assert.Contains(relay.Elements(), e => (string?)e.Attribute("name") == "callId" && (string?)e.Attribute("value") == callId);
        Assert.DoesNotContain("Ada", twiml.Descendants().Single(e => e.Name.LocalName == "Connect").Attribute("action")!.Value);
    }

    [Fact]
    public async Task Outbound_call_webhook_with_an_unknown_call_id_or_another_agents_context_apologises()
    {
        var agent = await _t.AddAgentAsync();
        var other = await _t.AddAgentAsync();
        var callId = Guid.NewGuid().ToString("n");
        await _t.Contexts.SaveAsync(new CallContext { CallId = callId, AgentId = other.Id, To = "+14155550123", From = other.PhoneNumber });

        foreach (var query in new[] { "", "?callId=unknown", $"?callId={callId}" })
        {
            var twiml = await _t.TwimlAsync($"/agents/{agent.Id}/outbound-call{query}", LiveCallTestApp.VoiceForm(LiveCallTestApp.NewCallSid()));
            Assert.Equal(["Say", "Hangup"], twiml.Elements().Select(e => e.Name.LocalName));
        }
    }

    [Fact]
    public async Task Hand_off_dials_the_transfer_number_from_the_agents_number()
    {
        var agent = await _t.AddAgentAsync();
        var sid = LiveCallTestApp.NewCallSid();
        await _t.TwimlAsync($"/agents/{agent.Id}/incoming-call", LiveCallTestApp.VoiceForm(sid));
        await _t.WaitForCallAsync(sid);
        const string handoff = "{\"reasonCode\":\"live-agent-handoff\",\"reason\":\"caller asked\"}";

        var twiml = await RelayActionAsync(agent.Id, sid, 1, ("SessionStatus", "ended"), ("CallStatus", "in-progress"), ("HandoffData", handoff));

        var dial = Assert.Single(twiml.Elements());
        Assert.Equal("Dial", dial.Name.LocalName);
        Assert.Equal((agent.PhoneNumber, "25"), ((string?)dial.Attribute("callerId"), (string?)dial.Attribute("timeout")));
        Assert.Equal(agent.TransferNumber, dial.Elements().Single(e => e.Name.LocalName == "Number").Value);
        var record = await _t.Calls.GetCallAsync(sid);
        Assert.Equal((CallState.Ended, CallEndReasons.HandedOff, handoff), (record!.State, record.EndReason, record.HandoffData));
    }

    [Fact]
    public async Task Hand_off_without_a_transfer_number_apologises_and_hangs_up()
    {
        var agent = await _t.AddAgentAsync(a => a with { TransferNumber = null });
        var sid = LiveCallTestApp.NewCallSid();

        var twiml = await RelayActionAsync(agent.Id, sid, 1, ("SessionStatus", "ended"), ("HandoffData", "{}"));

        Assert.Equal(["Say", "Hangup"], twiml.Elements().Select(e => e.Name.LocalName));
        Assert.Contains("no transfer number", (await _t.Calls.GetCallAsync(sid))!.LastError);
    }

    [Fact]
    public async Task Session_ended_by_the_agent_hangs_up_and_caller_hang_up_gets_an_empty_response()
    {
        var agent = await _t.AddAgentAsync();
        var ended = LiveCallTestApp.NewCallSid();
        var completed = LiveCallTestApp.NewCallSid();

        var byAgent = await RelayActionAsync(agent.Id, ended, 1, ("SessionStatus", "ended"));
        var byCaller = await RelayActionAsync(agent.Id, completed, 1, ("SessionStatus", "completed"), ("CallStatus", "completed"));

        Assert.Equal(["Hangup"], byAgent.Elements().Select(e => e.Name.LocalName));
        Assert.Empty(byCaller.Elements());
        Assert.Equal(CallEndReasons.AgentEnded, (await _t.Calls.GetCallAsync(ended))!.EndReason);
        Assert.Equal(CallEndReasons.CallerHungUp, (await _t.Calls.GetCallAsync(completed))!.EndReason);
    }

    [Fact]
    public async Task Failed_session_is_retried_once_with_an_apology_then_the_call_ends_politely()
    {
        var agent = await _t.AddAgentAsync();
        var sid = LiveCallTestApp.NewCallSid();
        await _t.TwimlAsync($"/agents/{agent.Id}/incoming-call", LiveCallTestApp.VoiceForm(sid));
        await _t.WaitForCallAsync(sid);
        (string, string)[] failure = [("SessionStatus", "failed"), ("ErrorCode", "39001"), ("ErrorMessage", "Network connection to WebSocket server failed")];

        var retry = await RelayActionAsync(agent.Id, sid, 1, failure);
        Assert.Equal(["Say", "Connect"], retry.Elements().Select(e => e.Name.LocalName));
        var connect = retry.Elements().Last();
        Assert.EndsWith($"relay-action?callId={sid}&attempt=2", (string?)connect.Attribute("action"));
        Assert.Contains(connect.Descendants(), e => (string?)e.Attribute("name") == "callId" && (string?)e.Attribute("value") == sid);
        // The new session gets a ticket of its own: the first one's was used by its socket.
        var url = (string)connect.Descendants().Single(e => e.Name.LocalName == "ConversationRelay").Attribute("url")!;
        Assert.Equal((sid, 2), _t.TicketOf(agent.Id, url) is { } ticket ? (ticket.CallId, ticket.Attempt) : default);
        Assert.Equal(CallState.InProgress, (await _t.Calls.GetCallAsync(sid))!.State);

        var giveUp = await RelayActionAsync(agent.Id, sid, 2, failure);
        Assert.Equal(["Say", "Hangup"], giveUp.Elements().Select(e => e.Name.LocalName));
        var record = await _t.Calls.GetCallAsync(sid);
        Assert.Equal((CallState.Ended, CallEndReasons.Error), (record!.State, record.EndReason));
        Assert.Contains("39001", record.LastError);
    }

    [Fact]
    public async Task Final_status_callback_ends_the_record_with_twilios_duration()
    {
        var agent = await _t.AddAgentAsync();
        var sid = LiveCallTestApp.NewCallSid();
        await _t.TwimlAsync($"/agents/{agent.Id}/incoming-call", LiveCallTestApp.VoiceForm(sid));
        await _t.WaitForCallAsync(sid);

        using var response = await _t.PostSignedAsync($"/agents/{agent.Id}/call-status",
            LiveCallTestApp.VoiceForm(sid, ("CallStatus", "completed"), ("CallDuration", "42")));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var record = await _t.Calls.GetCallAsync(sid);
        Assert.Equal((CallState.Ended, 42.0), (record!.State, record.Duration.TotalSeconds));
        Assert.Equal(CallEndReasons.CallerHungUp, record.EndReason);
    }

    [Fact]
    public async Task Status_callbacks_of_a_call_never_taken_store_nothing()
    {
        var agent = await _t.AddAgentAsync();
        var sid = LiveCallTestApp.NewCallSid();

        using var response = await _t.PostSignedAsync($"/agents/{agent.Id}/call-status", LiveCallTestApp.VoiceForm(sid, ("CallStatus", "completed")));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Null(await _t.Calls.GetCallAsync(sid));
    }

    private Task<XElement> RelayActionAsync(string agentId, string callId, int attempt, params (string Key, string Value)[] form) =>
        _t.TwimlAsync($"/agents/{agentId}/relay-action?callId={callId}&attempt={attempt}",
            LiveCallTestApp.VoiceForm(callId, [("CallStatus", "in-progress"), ("SessionId", "VX" + Guid.NewGuid().ToString("n")), .. form]));
}
