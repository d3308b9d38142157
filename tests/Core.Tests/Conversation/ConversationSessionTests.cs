using AgentOS.Voice.Agents;
using AgentOS.Voice.Calls;
using AgentOS.Voice.Conversation;
using AgentOS.Voice.TestSupport;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace AgentOS.Voice.Core.Tests.Conversation;

public class ConversationSessionTests
{
    private readonly FakeChatClient _model = new();
    private readonly RecordingOutput _output = new();
    private readonly MemoryRecorder _recorder = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero));

    private static Agent NewAgent(Func<Agent, Agent>? change = null)
    {
        var agent = new Agent { Id = "front-desk", Name = "Front desk", PhoneNumber = "+15005550006", Greeting = "Hi {name}, this is the clinic." };
        return change is null ? agent : change(agent);
    }

    private ConversationSession Start(Agent? agent = null, ConversationOptions? options = null, IReadOnlyDictionary<string, string>? context = null) =>
        new(agent ?? NewAgent(), new CallStart { CallId = "c-1", CallSid = "CA1", Direction = "inbound", From = "+1", To = "+2", Context = context ?? new Dictionary<string, string> { ["name"] = "Ada" } },
            _model, _output, _recorder, options ?? new ConversationOptions(), _time, NullLogger.Instance);

    [Fact]
    public async Task The_scripted_demo_model_switches_language_once_and_says_its_reply_once()
    {
        var scripted = new AgentOS.Voice.Llm.ScriptedChatClient([]);
        await using var session = new ConversationSession(
            NewAgent(a => a with { OtherLanguages = [new AgentLanguage("es-ES")] }),
            new CallStart { CallId = "c-1", CallSid = "CA1", Direction = "inbound", From = "+1", To = "+2" },
            scripted, _output, _recorder, new ConversationOptions(), _time, NullLogger.Instance);

        await session.HandleAsync(new CallerSaid("Spanish please"));
        await session.Idle;

        // After the tool's result the model is asked again; the script's rule must not match the same words again.
        Assert.Equal(["language:es-ES/es-ES"], _output.Sent.Where(m => m.StartsWith("language:", StringComparison.Ordinal)));
        Assert.Equal("¡Claro! Seguimos en español.", string.Concat(_output.Sent.Where(m => m.StartsWith("text:", StringComparison.Ordinal) && !m.EndsWith("|last", StringComparison.Ordinal)).Select(m => m["text:".Length..])));
        Assert.Single(_output.Sent, m => m.EndsWith("|last", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_prompt_streams_the_answer_in_order_and_ends_it_with_last()
    {
        _model.Then(ct => Timed(ct, "Sure, ", "Friday ", "works."));
        await using var session = Start();

        await session.HandleAsync(new CallerSaid("Can I move to Friday?"));
        await session.Idle;

        Assert.Equal(["text:Sure, ", "text:Friday ", "text:works.", "text:|last"], _output.Sent);
        Assert.Equal(
            [(TurnRole.Agent, "Hi Ada, this is the clinic."), (TurnRole.Caller, "Can I move to Friday?"), (TurnRole.Agent, "Sure, Friday works.")],
            session.History.Select(t => (t.Role, t.Text)));
        var agentTurn = _recorder.Turns.Single(t => t.Index == 2);
        Assert.Equal(25, agentTurn.FirstTokenMs);
        Assert.Equal(3, agentTurn.TokenCount);
        Assert.False(agentTurn.Interrupted);

        var sent = _model.Requests.Single();
        Assert.Equal(ChatRole.System, sent[0].Role);
        Assert.Equal(["Hi Ada, this is the clinic.", "Can I move to Friday?"], sent.Skip(1).Select(m => m.Text));
        Assert.Equal(
            [ConversationTools.HandoffToHuman, ConversationTools.EndCall, ConversationTools.SwitchLanguage],
            _model.Options.Single()!.Tools!.Select(t => t.Name));
    }

    [Fact]
    public async Task Calls_of_one_agent_record_share_its_prompt_and_options_and_a_call_with_context_gets_its_own_prompt()
    {
        var agent = NewAgent(a => a with { SystemPrompt = "You book appointments for the clinic." });
        var noContext = new Dictionary<string, string>();
        _model.Reply("One.").Reply("Two.").Reply("Three.");

        foreach (var context in new[] { noContext, noContext, new Dictionary<string, string> { ["name"] = "Ada" } })
        {
            await using var session = Start(agent, context: context);
            await session.HandleAsync(new CallerSaid("Hello?"));
            await session.Idle;
        }

        var prompts = _model.Requests.Select(r => r[0].Text).ToList();
        Assert.StartsWith("You book appointments for the clinic.", prompts[0]);
        Assert.Same(prompts[0], prompts[1]);
        Assert.Same(_model.Options[0], _model.Options[1]);
        Assert.EndsWith("About this call:\n- name: Ada", prompts[2]);
        Assert.Same(_model.Options[0], _model.Options[2]);

        // An edited agent is a new record, with options of its own.
        await using (var edited = Start(agent with { Llm = agent.Llm with { Temperature = 0.1f } }, context: noContext))
        {
            _model.Reply("Four.");
            await edited.HandleAsync(new CallerSaid("Hello?"));
            await edited.Idle;
        }

        Assert.Equal(0.1f, _model.Options[3]!.Temperature);
        Assert.NotSame(_model.Options[0], _model.Options[3]);
    }

    [Fact]
    public async Task An_interrupt_cancels_at_once_closes_the_stream_and_keeps_only_what_was_heard()
    {
        _model.Then(ct => FakeChatClient.Endless("old", ct));
        await using var session = Start();

        await session.HandleAsync(new CallerSaid("Tell me everything."));
        await _output.WaitForAsync(s => s.Count >= 3);
        await session.HandleAsync(new CallerInterrupted("old-1 old-", 460));
        var sentAtInterrupt = _output.Sent.Count;
        await session.Idle;
        // Once the stream is closed its generation has nothing left to send: a stale token would be in by now.
        await Eventually.True(() => _model.StreamsClosed == 1, "the interrupted model stream closed");

        Assert.Equal(sentAtInterrupt, _output.Sent.Count);
        Assert.DoesNotContain("text:|last", _output.Sent);
        var last = session.History[^1];
        Assert.Equal((TurnRole.Agent, "old-1 old-", true), (last.Role, last.Text, last.Interrupted));
        Assert.Contains(_recorder.Turns, t => t.Index == last.Index && t.Interrupted && t.Text == "old-1 old-");
    }

    [Fact]
    public async Task Once_an_interrupt_is_handled_its_generation_never_sends_again_even_in_rapid_cycles()
    {
        const int cycles = 40;
        // Some generations are cancelled before they reach the model, so answers are tagged by the prompt they answer.
        _model.Otherwise = (messages, ct) => FakeChatClient.Endless("g" + messages[^1].Text.Split(' ')[1], ct);

        await using var session = Start();
        for (var i = 0; i < cycles; i++)
        {
            await session.HandleAsync(new CallerSaid($"prompt {i}"));
            if (i % 2 == 0)
            {
                await _output.WaitForAsync(s => s.Any(t => t.StartsWith($"text:g{i}-")));
            }

            await session.HandleAsync(new CallerInterrupted(string.Empty));
            var sealedCount = _output.Sent.Count;
            await Task.Yield();
            Assert.DoesNotContain(_output.Sent.Skip(sealedCount), t => t.StartsWith($"text:g{i}-"));
        }

        await session.Idle;
        await Eventually.True(() => _model.StreamsOpened == _model.StreamsClosed, "every model stream closed");
        var sent = _output.Sent;
        for (var i = 0; i < cycles; i++)
        {
            // Each generation's tokens form one block: none of them appears after a later generation's first token.
            var last = sent.ToList().FindLastIndex(t => t.StartsWith($"text:g{i}-"));
            var nextFirst = sent.ToList().FindIndex(t => t.StartsWith($"text:g{i + 1}-"));
            Assert.True(last < 0 || nextFirst < 0 || last < nextFirst, $"generation {i} spoke after generation {i + 1} began");
        }

        Assert.DoesNotContain("text:|last", sent);
    }

    [Fact]
    public async Task A_new_prompt_while_answering_cancels_the_old_answer_and_no_old_token_follows()
    {
        _model.Then(ct => FakeChatClient.Endless("old", ct)).Reply("new ", "answer");
        await using var session = Start();

        await session.HandleAsync(new CallerSaid("First question"));
        await _output.WaitForAsync(s => s.Count >= 2);
        await session.HandleAsync(new CallerSaid("Actually, second question"));
        await session.Idle;
        await Eventually.True(() => _model.StreamsClosed == 2, "both model streams closed");

        var sent = _output.Sent;
        var firstNew = sent.ToList().IndexOf("text:new ");
        Assert.True(firstNew > 0);
        Assert.DoesNotContain(sent.Skip(firstNew), s => s.Contains("old"));
        Assert.Equal("text:|last", sent[^1]);
        Assert.Equal(["Actually, second question"], _model.Requests[1].Where(m => m.Role == ChatRole.User).Skip(1).Select(m => m.Text));
    }

    [Fact]
    public async Task An_interrupt_after_the_answer_was_sent_rewrites_that_turn_to_what_was_heard()
    {
        _model.Reply("Your appointment ", "is on Friday at nine.");
        await using var session = Start();
        await session.HandleAsync(new CallerSaid("When is it?"));
        await session.Idle;

        await session.HandleAsync(new CallerInterrupted("Your appointment"));

        var last = session.History[^1];
        Assert.Equal(("Your appointment", true), (last.Text, last.Interrupted));
        Assert.Equal("Your appointment", _recorder.Turns.Last(t => t.Index == last.Index).Text);
    }

    [Fact]
    public async Task A_provider_error_mid_turn_gives_an_apology_and_the_next_prompt_is_answered()
    {
        _model.Then(ct => FakeChatClient.TokensThenThrow("Let me ", ct)).Reply("Yes.");
        var options = new ConversationOptions();
        await using var session = Start(options: options);

        await session.HandleAsync(new CallerSaid("Hello?"));
        await session.Idle;
        Assert.Equal(["text:Let me ", $"text: {options.ApologyText}|last"], _output.Sent);
        Assert.Contains("529", session.Record.LastError);

        await session.HandleAsync(new CallerSaid("Hello again?"));
        await session.Idle;
        Assert.Equal(["text:Yes.", "text:|last"], _output.Sent.Skip(2));
    }

    [Fact]
    public async Task An_empty_answer_is_replaced_by_a_fallback_line()
    {
        _model.Reply();
        var options = new ConversationOptions();
        await using var session = Start(options: options);

        await session.HandleAsync(new CallerSaid("Hm"));
        await session.Idle;

        Assert.Equal([$"text:{options.FallbackText}", "text:|last"], _output.Sent);
    }

    [Fact]
    public async Task Dtmf_menu_handoff_ends_with_handoff_data_as_a_json_string()
    {
        var agent = NewAgent(a => a with { TransferNumber = "+15005550009", DtmfMenu = new Dictionary<string, DtmfAction> { ["0"] = new(DtmfActionKind.Handoff) } });
        await using var session = Start(agent);

        await session.HandleAsync(new KeyPressed("0"));

        var end = _output.Sent[^1];
        Assert.StartsWith("end:", end);
        var data = System.Text.Json.JsonDocument.Parse(end["end:".Length..]).RootElement;
        Assert.Equal("live-agent-handoff", data.GetProperty("reasonCode").GetString());
        Assert.Equal("c-1", data.GetProperty("callId").GetString());
        Assert.True(session.HasEnded);
        Assert.Equal(CallEndReasons.HandedOff, _recorder.Calls[^1].EndReason);
        Assert.Empty(_model.Requests);
    }

    [Fact]
    public async Task Dtmf_menu_say_and_end_and_keys_outside_the_menu_go_to_the_model()
    {
        var agent = NewAgent(a => a with
        {
            DtmfMenu = new Dictionary<string, DtmfAction> { ["1"] = new(DtmfActionKind.Say, "We open at nine."), ["9"] = new(DtmfActionKind.End, "Bye now.") },
        });
        _model.Reply("You pressed five.");
        await using var session = Start(agent);

        await session.HandleAsync(new KeyPressed("1"));
        await session.HandleAsync(new KeyPressed("5"));
        await session.Idle;
        await session.HandleAsync(new KeyPressed("9"));

        Assert.Equal(["text:We open at nine.|last", "text:You pressed five.", "text:|last", "text:Bye now.|last", "end:"], _output.Sent);
        Assert.Contains("5", _model.Requests.Single()[^1].Text);
        Assert.Equal(CallEndReasons.AgentEnded, _recorder.Calls[^1].EndReason);
    }

    [Fact]
    public async Task The_handoff_tool_ends_the_call_with_handoff_data()
    {
        var agent = NewAgent(a => a with { TransferNumber = "+15005550009" });
        _model.Then(ct => FakeChatClient.Call("Connecting you. ", ConversationTools.HandoffToHuman, "reason", "wants a person", ct));
        await using var session = Start(agent);

        await session.HandleAsync(new CallerSaid("A human please"));
        await session.Idle;

        Assert.Equal(["text:Connecting you. ", "text:|last"], _output.Sent.Take(2));
        Assert.Contains("wants a person", _output.Sent[2]);
        Assert.StartsWith("end:{", _output.Sent[2]);
        Assert.Equal(3, _output.Sent.Count);
        Assert.Contains(session.History, t => t.Role == TurnRole.Tool && t.Tool!.Name == ConversationTools.HandoffToHuman);
    }

    [Fact]
    public async Task Without_a_transfer_number_the_handoff_tool_is_declined_and_the_model_goes_on()
    {
        _model.Then(ct => FakeChatClient.Call("", ConversationTools.HandoffToHuman, "reason", "x", ct)).Reply("Nobody is free, but I can help.");
        await using var session = Start();

        await session.HandleAsync(new CallerSaid("A human please"));
        await session.Idle;

        Assert.Equal(["text:Nobody is free, but I can help.", "text:|last"], _output.Sent);
        Assert.False(session.HasEnded);
        Assert.IsType<FunctionResultContent>(_model.Requests[1][^1].Contents.Single());
    }

    [Fact]
    public async Task The_end_call_tool_says_goodbye_then_ends()
    {
        _model.Then(ct => FakeChatClient.Call("", ConversationTools.EndCall, "goodbye", "Take care!", ct));
        await using var session = Start();

        await session.HandleAsync(new CallerSaid("That's all"));
        await session.Idle;

        Assert.Equal(["text:Take care!", "text:|last", "end:"], _output.Sent);
        Assert.True(session.HasEnded);
        await session.HandleAsync(new CallerSaid("hello?"));
        Assert.Equal(3, _output.Sent.Count);
    }

    [Fact]
    public async Task Switch_language_sends_a_language_message_once_per_call_even_when_repeated()
    {
        _model.Then(ct => FakeChatClient.Call("", ConversationTools.SwitchLanguage, "language", "es-ES", ct)).Reply("Claro.")
            .Then(ct => FakeChatClient.Call("", ConversationTools.SwitchLanguage, "language", " ES-es ", ct)).Reply("Sí.");
        await using var session = Start();

        await session.HandleAsync(new CallerSaid("¿Español?"));
        await session.Idle;
        await session.HandleAsync(new CallerSaid("¿Español, por favor?"));
        await session.Idle;

        Assert.Equal(["language:es-ES/es-ES", "text:Claro.", "text:|last", "text:Sí.", "text:|last"], _output.Sent);
    }

    [Fact]
    public async Task History_sent_to_the_model_is_capped()
    {
        var options = new ConversationOptions { MaxHistoryTurns = 4, MaxHistoryCharacters = 200 };
        for (var i = 0; i < 5; i++)
        {
            _model.Reply(new string('a', 60));
        }

        await using var session = Start(options: options);
        for (var i = 0; i < 5; i++)
        {
            await session.HandleAsync(new CallerSaid($"question {i} " + new string('q', 40)));
            await session.Idle;
        }

        Assert.Equal(4, session.History.Count);
        var last = _model.Requests[^1];
        Assert.True(last.Skip(1).Sum(m => m.Text.Length) <= 200);
        Assert.StartsWith("question 4", last[^1].Text);
        Assert.Equal(11, _recorder.Turns.Select(t => t.Index).Distinct().Count());
    }

    [Fact]
    public async Task Twilio_errors_are_logged_on_the_call_and_the_end_is_recorded()
    {
        await using var session = Start();
        await session.HandleAsync(new TransportError("Invalid message received"));
        await session.HandleAsync(new CallEnded(CallEndReasons.CallerHungUp));

        var record = _recorder.Calls[^1];
        Assert.Equal(("Invalid message received", CallState.Ended, CallEndReasons.CallerHungUp), (record.LastError, record.State, record.EndReason));
    }

    [Theory]
    [InlineData("Hi {name}, about {appointment}.", "Hi Ada, about Friday 9:00.")]
    [InlineData("Hello {unknown}!", "Hello!")]
    [InlineData("No placeholders", "No placeholders")]
    [InlineData("Broken {name", "Broken {name")]
    public void Greetings_are_filled_from_the_call_context(string template, string expected)
    {
        Assert.Equal(expected, GreetingTemplate.Fill(template, new Dictionary<string, string> { ["name"] = "Ada", ["appointment"] = "Friday 9:00" }));
    }

    private async IAsyncEnumerable<ChatResponseUpdate> Timed(
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct, params string[] tokens)
    {
        // The model takes 25 ms (fake time) before its first token.
        _time.Advance(TimeSpan.FromMilliseconds(25));
        await foreach (var update in FakeChatClient.Tokens(tokens, ct))
        {
            yield return update;
        }
    }
}
