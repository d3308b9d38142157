using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AgentOS.Voice.Agents;
using AgentOS.Voice.Calls;
using AgentOS.Voice.Llm;
using AgentOS.Voice.Simulator;
using AgentOS.Voice.Simulator.Calls;
using AgentOS.Voice.Simulator.Relay;

namespace AgentOS.Voice.EndToEnd.Tests.Live;

/// <summary>Live calls across the real processes' code: simulator (as Twilio) → Functions → RelayHost → model, and back.</summary>
public sealed class LiveCallTests(LiveCallStack stack) : IClassFixture<LiveCallStack>
{
    private const string LongReply =
        "Let me tell you all about our opening hours, our locations in the city, the parking garage next door, and the many ways we can help you today with your questions.";

    [Fact]
    public async Task Inbound_conversation_is_answered_token_by_token_and_its_transcript_stored()
    {
        var agent = await stack.CreateAgentAsync(a => a with { Script = [new("hours", "We are open from nine to five.")] });

        var call = await stack.CallAgentAsync(agent, new CallerScript().Say("What are your hours?").HangUp());

        var session = Assert.Single(call.Events.OfType<RelaySessionEnded>());
        Assert.Equal("completed", session.SessionStatus);
        Assert.Equal(call.Sid, session.CustomParameters["callId"]);
        Assert.Equal(agent.Id, session.CustomParameters["agentId"]);
        var answer = Assert.Single(session.Transcript!.Turns);
        Assert.Equal("We are open from nine to five.", answer.Text);
        Assert.True(answer is { Completed: true, Tokens: > 1 });
        Assert.Contains(call.Events.OfType<WebhookRequested>(), w => w.Purpose == "connect action" && w.HttpStatus == 200);

        var record = await stack.WaitForRecordAsync(call.Sid, r => r.State == CallState.Ended, "the call to end");
        Assert.Equal((CallEndReasons.CallerHungUp, "inbound", "+14155550123"), (record.EndReason, record.Direction, record.From));
        var transcript = await stack.WaitForTranscriptAsync(call.Sid, 3);
        Assert.Equal(
            [(TurnRole.Agent, "Hello, this is the front desk."), (TurnRole.Caller, "What are your hours?"), (TurnRole.Agent, "We are open from nine to five.")],
            transcript.Select(t => (t.Role, t.Text)));
    }

    [Fact]
    public async Task Outbound_call_fills_the_greeting_from_its_context_and_the_model_is_told_the_context()
    {
        var appointment = "Tuesday " + Guid.NewGuid().ToString("n")[..6];
        var agent = await stack.CreateAgentAsync(a => a with
        {
            Greeting = "Hello {name}, this is Dr. Smith's office about {appointment}.",
            Llm = new LlmSettings { Provider = LlmProviders.OpenAI, Model = "fake-model" },
        });
        const string to = "+14155557001";
        stack.Simulator.Numbers[to] = NumberBehavior.Person(new CallerScript().Say("Who is this?").HangUp());
        using var api = stack.ManagementClient();

        using var placed = await api.PostAsJsonAsync($"/api/agents/{agent.Id}/calls", new { to, context = new { name = "Ada", appointment } });

        Assert.Equal(HttpStatusCode.Accepted, placed.StatusCode);
        var body = await placed.Content.ReadFromJsonAsync<JsonElement>();
        var callId = body.GetProperty("callId").GetString()!;
        var call = await stack.WaitUntilFinishedAsync(body.GetProperty("callSid").GetString()!);

        Assert.Equal($"{stack.FunctionsBaseUrl}/agents/{agent.Id}/outbound-call?callId={callId}", call.Request!.Source.Url);
        var greeting = $"Hello Ada, this is Dr. Smith's office about {appointment}.";
        var connect = Assert.Single(call.Events.OfType<VerbExecuted>(), v => v.Verb == "Connect");
        Assert.Contains($"welcomeGreeting=\"{greeting}\"", connect.Detail);
        var session = Assert.Single(call.Events.OfType<RelaySessionEnded>());
        Assert.Equal(callId, session.CustomParameters["callId"]);
        Assert.Equal(stack.OpenAi.Reply, Assert.Single(session.Transcript!.Turns).Text);
        Assert.True(stack.OpenAi.Requests.Any(r => r.Any(m => m.Role == "system" && m.Content.Contains("- name: Ada") && m.Content.Contains($"- appointment: {appointment}"))),
            string.Join("\n", stack.OpenAi.Requests.SelectMany(r => r).Select(m => m.Role + ": " + m.Content)));
        // The simulator marks the call finished just before it sends the final status callback.
        call = await stack.Simulator.WaitForCallAsync(c => c.Sid == call.Sid && c.Events.OfType<WebhookRequested>().Any(w => w.Purpose == "status callback (completed)"), TimeSpan.FromSeconds(30));
        Assert.Equal(204, call.Events.OfType<WebhookRequested>().Single(w => w.Purpose == "status callback (completed)").HttpStatus);

        await stack.WaitForRecordAsync(callId, r => r.State == CallState.Ended, "the call to end");
        await stack.WaitForTranscriptAsync(callId, 3);
        var view = await api.GetFromJsonAsync<JsonElement>(body.GetProperty("statusUrl").GetString());
        Assert.Equal(("Ended", "outbound", call.Sid), (view.GetProperty("state").GetString(), view.GetProperty("direction").GetString(), view.GetProperty("callSid").GetString()));
        Assert.Equal(greeting, view.GetProperty("transcript")[0].GetProperty("text").GetString());
        Assert.Equal("Who is this?", view.GetProperty("transcript")[1].GetProperty("text").GetString());
    }

    [Fact]
    public async Task Interrupt_mid_answer_keeps_only_what_was_heard_and_no_stale_token_follows()
    {
        var agent = await stack.CreateAgentAsync(a => a with { Script = [new(null, LongReply)] });

        var call = await stack.CallAgentAsync(agent, new CallerScript().SayAndInterruptAfterTokens("Tell me everything", 5).Say("Thanks").HangUp());

        var turns = Assert.Single(call.Events.OfType<RelaySessionEnded>()).Transcript!.Turns;
        var cut = turns[0];
        Assert.True(cut.Interrupted);
        Assert.InRange(cut.Tokens, 5, LongReply.Split(' ').Length - 1);
        // A token the session sent just before it read the interrupt may still be on the wire (tokens come every 40 ms);
        // a session that kept streaming the cancelled answer would deliver the rest of this long reply.
        Assert.InRange(cut.StaleTokens, 0, 1);
        Assert.Equal(LongReply, turns[1].Text);

        var transcript = await stack.WaitForTranscriptAsync(call.Sid, 5);
        var heard = Assert.Single(transcript, t => t.Interrupted);
        Assert.Equal((TurnRole.Agent, cut.Text), (heard.Role, heard.Text));
        Assert.Equal(["Tell me everything", "Thanks"], transcript.Where(t => t.Role == TurnRole.Caller).Select(t => t.Text));
    }

    [Fact]
    public async Task Dtmf_menu_says_its_text_and_hands_off_to_the_transfer_number()
    {
        var agent = await stack.CreateAgentAsync(a => a with
        {
            DtmfMenu = new Dictionary<string, DtmfAction> { ["1"] = new(DtmfActionKind.Say, "We open at nine."), ["0"] = new(DtmfActionKind.Handoff) },
        });

        var call = await stack.CallAgentAsync(agent, new CallerScript().PressKey('1').Wait(TimeSpan.FromSeconds(1)).PressKey('0').Wait(TimeSpan.FromSeconds(5)));

        var session = Assert.Single(call.Events.OfType<RelaySessionEnded>());
        Assert.Contains(session.Transcript!.Messages, m => !m.Sent && m.Type == "text" && m.Json.Contains("We open at nine."));
        Assert.Equal("ended", session.SessionStatus);
        var transfer = Assert.Single(call.Events.OfType<CallTransferred>());
        Assert.Equal([agent.TransferNumber!], transfer.Numbers);
        Assert.Equal(agent.PhoneNumber, transfer.CallerId);
        var transcript = await stack.WaitForTranscriptAsync(call.Sid, 4);
        Assert.Contains(transcript, t => t.Role == TurnRole.Caller && t.Text == "(pressed 1)");
        Assert.Contains(transcript, t => t.Role == TurnRole.Agent && t.Text == "We open at nine.");
    }

    [Fact]
    public async Task Asking_for_a_human_ends_the_session_with_handoff_data_and_twilio_dials_the_transfer_number()
    {
        var agent = await stack.CreateAgentAsync(a => a with { Script = [new("human", "Of course, connecting you now.", LlmToolNames.Handoff)] });

        var call = await stack.CallAgentAsync(agent, new CallerScript().Say("Can I talk to a human please?"));

        var session = Assert.Single(call.Events.OfType<RelaySessionEnded>());
        Assert.Equal("ended", session.SessionStatus);
        Assert.Contains("live-agent-handoff", session.HandoffData);
        var transfer = Assert.Single(call.Events.OfType<CallTransferred>());
        Assert.Equal([agent.TransferNumber!], transfer.Numbers);
        Assert.Equal((agent.PhoneNumber, 30), (transfer.CallerId, transfer.TimeoutSeconds));
        var record = await stack.WaitForRecordAsync(call.Sid, r => r.EndReason == CallEndReasons.HandedOff, "the hand-off to be recorded");
        Assert.Equal(session.HandoffData, record.HandoffData);
    }

    [Fact]
    public async Task Provider_error_gets_an_apology_and_the_next_turn_is_answered()
    {
        var agent = await stack.CreateAgentAsync(a => a with { Llm = new LlmSettings { Provider = LlmProviders.OpenAI, Model = "fake-model" } });

        var call = await stack.CallAgentAsync(agent, new CallerScript().Say($"Please cause a {FakeOpenAiServer.FailWhenCallerSays}").Say("Are you there?").HangUp());

        var turns = Assert.Single(call.Events.OfType<RelaySessionEnded>()).Transcript!.Turns;
        Assert.Equal(2, turns.Count);
        Assert.StartsWith("Sorry, I'm having trouble", turns[0].Text);
        Assert.True(turns[0].Completed);
        Assert.Equal(stack.OpenAi.Reply, turns[1].Text);
    }

    [Fact]
    public async Task Relay_that_cannot_connect_is_retried_once_with_an_apology_then_the_call_ends_politely()
    {
        // RelayHost refuses the socket (503) for an agent whose model provider is not configured there.
        var agent = await stack.CreateAgentAsync(a => a with { Llm = new LlmSettings { Provider = LlmProviders.Anthropic, Model = "claude" } });

        var call = await stack.CallAgentAsync(agent, new CallerScript().Say("hello"));

        var sessions = call.Events.OfType<RelaySessionEnded>().ToList();
        Assert.Equal(2, sessions.Count);
        Assert.All(sessions, s => Assert.Equal(("failed", "64102"), (s.SessionStatus, s.ErrorCode)));
        var said = call.Events.OfType<VerbExecuted>().Where(v => v.Verb == "Say").Select(v => v.Detail).ToList();
        Assert.Equal(2, said.Count);
        Assert.Contains("technical problem", said[0]);
        Assert.Contains("call again later", said[1]);
        Assert.Contains(call.Events.OfType<VerbExecuted>(), v => v.Verb == "Hangup");
        var record = await stack.WaitForRecordAsync(call.Sid, r => r.State == CallState.Ended, "the call to end");
        Assert.Equal(CallEndReasons.Error, record.EndReason);
        Assert.Contains("64102", record.LastError);
    }

    [Fact]
    public async Task Unknown_agent_hears_an_apology_and_is_hung_up_on()
    {
        var call = await stack.Simulator.PlaceInboundCallAsync("+14155550123", "+14155550000", $"{stack.FunctionsBaseUrl}/agents/nobody-here/incoming-call");
        call = await stack.WaitUntilFinishedAsync(call.Sid);

        Assert.Equal(["Say", "Hangup"], call.Events.OfType<VerbExecuted>().Select(v => v.Verb));
        Assert.Empty(call.Events.OfType<RelaySessionEnded>());
        Assert.Null(await stack.Calls.GetCallAsync(call.Sid));
    }
}
