using AgentOS.Voice.Simulator.Calls;
using AgentOS.Voice.Simulator.Relay;
using AgentOS.Voice.Simulator.Tests.Support;

namespace AgentOS.Voice.Simulator.Tests;

public sealed class ConversationRelayTests
{
    private static string RelayTwiml(FakeApp app, string mode, string? action) => $"""
        <Response>
          <Connect{(action is null ? "" : $" action=\"{action}\"")}>
            <ConversationRelay url="{app.WsBaseUrl}/relay/{mode}" welcomeGreeting="Hi there">
              <Parameter name="callRef" value="abc-123"/>
              <Parameter name="agentId" value="agent-1"/>
            </ConversationRelay>
          </Connect>
          <Say>after the session</Say>
        </Response>
        """;

    [Fact]
    public async Task Inbound_call_talks_interrupts_and_is_handed_off_through_the_connect_action()
    {
        await using var h = await Harness.StartAsync();
        h.App.Serve("/incoming", RelayTwiml(h.App, "agent", "/relay-action"));
        h.App.Serve("/relay-action", "<Response><Dial callerId=\"+15550100000\" timeout=\"20\"><Number>+15550109999</Number></Dial></Response>");
        // The agent closes its interrupted answer with last:true, so a long settle time costs nothing and removes the race.
        var script = new CallerScript { InterruptSettleTime = TimeSpan.FromSeconds(10) }
            .Say("hello")
            .SayAndInterruptAfterTokens("tell me a long story", 2)
            .PressKey('5')
            .Say("spanish please")
            .Say("transfer me");

        var placed = await h.Simulator.PlaceInboundCallAsync("+15550107777", Harness.AgentNumber, h.App.Url("/incoming"), script);
        var call = await h.Simulator.WaitForStatusAsync(placed.Sid, "completed", Harness.Timeout);

        var incoming = Assert.Single(h.App.RequestsTo("/incoming"));
        Assert.Equal(("inbound", "ringing", "+15550107777", Harness.AgentNumber), (incoming["Direction"], incoming["CallStatus"], incoming["From"], incoming["To"]));

        var setup = h.App.Relay.Setup!.Value;
        Assert.Equal(placed.Sid, setup.GetProperty("callSid").GetString());
        Assert.Equal(Harness.AccountSid, setup.GetProperty("accountSid").GetString());
        Assert.Equal(("inbound", "RINGING", "PSTN"), (setup.GetProperty("direction").GetString(), setup.GetProperty("callStatus").GetString(), setup.GetProperty("callType").GetString()));
        Assert.StartsWith("VX", setup.GetProperty("sessionId").GetString());
        Assert.Equal("abc-123", setup.GetProperty("customParameters").GetProperty("callRef").GetString());
        Assert.Equal("agent-1", setup.GetProperty("customParameters").GetProperty("agentId").GetString());

        var session = Assert.Single(call.Events.OfType<RelaySessionEnded>());
        var turns = session.Transcript!.Turns;
        Assert.Equal("You said hello", turns[0].Text);
        Assert.Equal((3, true, false), (turns[0].Tokens, turns[0].Completed, turns[0].Interrupted));
        Assert.True(turns[0].TimeToFirstToken > TimeSpan.Zero);

        Assert.True(turns[1].Interrupted);
        Assert.Equal(("Once upon ", 2, 3), (turns[1].Text, turns[1].Tokens, turns[1].StaleTokens));
        Assert.NotNull(turns[1].StaleLateness);
        var interrupt = Assert.Single(h.App.Relay.OfType("interrupt"));
        Assert.Equal("Once upon ", interrupt.GetProperty("utteranceUntilInterrupt").GetString());
        Assert.True(interrupt.GetProperty("durationUntilInterruptMs").GetInt64() >= 0);
        Assert.Equal("5", Assert.Single(h.App.Relay.OfType("dtmf")).GetProperty("digit").GetString());
        // The reply to the key is a turn of its own, not glued onto the interrupted answer before it.
        Assert.Equal(("(pressed 5)", '5', "You pressed 5", true), (turns[2].Prompt, turns[2].Key, turns[2].Text, turns[2].Completed));
        Assert.Equal(("spanish please", null, "You said spanish please"), (turns[3].Prompt, turns[3].Key, turns[3].Text));
        Assert.Contains("es-ES", Assert.Single(session.Transcript.LanguageMessages));

        Assert.True(session.Transcript.EndedByAgent);
        Assert.Equal(RelayAgent.HandoffData, session.Transcript.HandoffData);
        var action = Assert.Single(h.App.RequestsTo("/relay-action"));
        Assert.True(action.SignatureValid);
        Assert.Equal(("ended", "in-progress", RelayAgent.HandoffData, session.SessionId),
            (action["SessionStatus"], action["CallStatus"], action["HandoffData"], action["SessionId"]));
        Assert.False(action.Form.ContainsKey("ErrorCode"));
        var transfer = Assert.Single(call.Events.OfType<CallTransferred>());
        Assert.Equal(["+15550109999"], transfer.Numbers);
        Assert.Equal(("+15550100000", 20), (transfer.CallerId, transfer.TimeoutSeconds));
        Assert.DoesNotContain(call.Events.OfType<VerbExecuted>(), v => v.Detail.Contains("after the session"));
    }

    [Fact]
    public async Task Outbound_person_script_hangs_up_and_the_action_reports_completed()
    {
        await using var h = await Harness.StartAsync();
        h.Simulator.Numbers[Harness.PersonNumber] = NumberBehavior.Person(new CallerScript().Say("hello").HangUp());
        h.App.Serve("/voice", RelayTwiml(h.App, "agent", "/relay-action"));

        var sid = await h.CreateCallAsync(Harness.PersonNumber, ("Url", h.App.Url("/voice")));
        var call = await h.Simulator.WaitForStatusAsync(sid, "completed", Harness.Timeout);

        var setup = h.App.Relay.Setup!.Value;
        Assert.Equal(("outbound", "IN-PROGRESS"), (setup.GetProperty("direction").GetString(), setup.GetProperty("callStatus").GetString()));
        var action = Assert.Single(h.App.RequestsTo("/relay-action"));
        Assert.Equal(("completed", "completed"), (action["SessionStatus"], action["CallStatus"]));
        Assert.False(action.Form.ContainsKey("HandoffData"));
        Assert.True(Assert.Single(call.Events.OfType<RelaySessionEnded>()).Transcript!.CallerHungUp);
    }

    [Fact]
    public async Task A_refused_socket_fails_the_session_and_the_action_twiml_runs()
    {
        await using var h = await Harness.StartAsync();
        h.App.Serve("/voice", RelayTwiml(h.App, "forbidden", "/relay-action"));
        h.App.Serve("/relay-action", "<Response><Say>Sorry, something went wrong.</Say></Response>");

        var sid = await h.CreateCallAsync(Harness.PersonNumber, ("Url", h.App.Url("/voice")));
        var call = await h.Simulator.WaitForStatusAsync(sid, "completed", Harness.Timeout);

        var action = Assert.Single(h.App.RequestsTo("/relay-action"));
        Assert.True(action.SignatureValid);
        Assert.Equal(("failed", "in-progress", "64102"), (action["SessionStatus"], action["CallStatus"], action["ErrorCode"]));
        Assert.Contains("403", action["ErrorMessage"]);
        Assert.Contains(call.Events.OfType<VerbExecuted>(), v => v.Detail.Contains("Sorry"));
    }

    [Fact]
    public async Task A_socket_lost_without_end_fails_the_session_with_64105()
    {
        await using var h = await Harness.StartAsync();
        h.Simulator.Numbers[Harness.PersonNumber] = NumberBehavior.Person(new CallerScript().Wait(TimeSpan.FromSeconds(20)));
        h.App.Serve("/voice", RelayTwiml(h.App, "drop", "/relay-action"));

        var sid = await h.CreateCallAsync(Harness.PersonNumber, ("Url", h.App.Url("/voice")));
        var call = await h.Simulator.WaitForStatusAsync(sid, "completed", Harness.Timeout);

        var action = Assert.Single(h.App.RequestsTo("/relay-action"));
        Assert.Equal(("failed", "in-progress", "64105"), (action["SessionStatus"], action["CallStatus"], action["ErrorCode"]));
        Assert.True(Assert.Single(call.Events.OfType<RelaySessionEnded>()).Transcript!.SocketLost);
    }

    [Fact]
    public async Task Without_an_action_the_call_continues_with_the_next_verb()
    {
        await using var h = await Harness.StartAsync();
        h.Simulator.Numbers[Harness.PersonNumber] = NumberBehavior.Person(new CallerScript().Say("transfer me"));
        h.App.Serve("/voice", RelayTwiml(h.App, "agent", action: null));

        var sid = await h.CreateCallAsync(Harness.PersonNumber, ("Url", h.App.Url("/voice")));
        var call = await h.Simulator.WaitForStatusAsync(sid, "completed", Harness.Timeout);

        Assert.Equal("ended", Assert.Single(call.Events.OfType<RelaySessionEnded>()).SessionStatus);
        Assert.Contains(call.Events.OfType<VerbExecuted>(), v => v.Detail.Contains("after the session"));
    }
}
