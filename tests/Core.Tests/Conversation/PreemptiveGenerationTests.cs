using AgentOS.Voice.Agents;
using AgentOS.Voice.Calls;
using AgentOS.Voice.Conversation;
using AgentOS.Voice.TestSupport;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace AgentOS.Voice.Core.Tests.Conversation;

/// <summary>Preemptive generation: answers started on partial prompts, held, then kept or cancelled by the final prompt.</summary>
public class PreemptiveGenerationTests
{
    private static readonly TimeSpan Stable = new ConversationOptions().PreemptiveStableDelay;
    private readonly FakeChatClient _model = new();
    private readonly RecordingOutput _output = new();
    private readonly MemoryRecorder _recorder = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.Zero));

    private ConversationSession Start(bool preemptive = true) =>
        new(new Agent { Id = "front-desk", Name = "Front desk", PhoneNumber = "+15005550006", Greeting = "Hi, this is the clinic.", PreemptiveGeneration = preemptive },
            new CallStart { CallId = "c-1", CallSid = "CA1", Direction = "inbound", From = "+1", To = "+2" },
            _model, _output, _recorder, new ConversationOptions(), _time, NullLogger.Instance);

    private IEnumerable<string> Texts => _output.Sent.Where(m => m.StartsWith("text:", StringComparison.Ordinal));

    [Fact]
    public async Task A_final_matching_the_stable_partial_releases_the_held_answer_at_once_without_a_second_request()
    {
        _model.Reply("Sure, ", "Friday ", "works.");
        await using var session = Start();

        await session.HandleAsync(new CallerSpeaking("Can I mo"));
        _time.Advance(Stable / 2);
        await session.HandleAsync(new CallerSpeaking("Can I move to Friday"));
        Assert.Empty(_model.Requests); // the words were still changing
        _time.Advance(Stable);
        await Eventually.True(() => _model.StreamsClosed == 1, "the speculation to read the whole answer");
        Assert.Empty(Texts); // held

        await session.HandleAsync(new CallerSaid("Can I move to Friday?"));

        // Sent while the final prompt was handled, before the answer's task went on: nothing waited for the model.
        Assert.Equal(["text:Sure, ", "text:Friday ", "text:works."], Texts.Take(3));
        await session.Idle;
        Assert.Equal(["text:Sure, ", "text:Friday ", "text:works.", "text:|last"], Texts);
        var request = Assert.Single(_model.Requests);
        Assert.Equal("Can I move to Friday", request[^1].Text);
        Assert.Equal(
            [(TurnRole.Agent, "Hi, this is the clinic."), (TurnRole.Caller, "Can I move to Friday?"), (TurnRole.Agent, "Sure, Friday works.")],
            session.History.Select(t => (t.Role, t.Text)));
        var answer = _recorder.Turns.Single(t => t.Index == 2);
        Assert.Equal(0, answer.FirstTokenMs); // counted from the final prompt: nothing left to wait for
        Assert.Equal(3, answer.TokenCount);
    }

    [Fact]
    public async Task A_final_that_differs_cancels_the_speculation_down_to_the_model_stream_and_answers_the_final_words_only()
    {
        var aborted = new TaskCompletionSource();
        _model.Then(ct =>
        {
            ct.Register(() => aborted.TrySetResult());
            return FakeChatClient.Endless("guess", ct);
        }).Reply("Friday ", "at ", "ten.");
        await using var session = Start();

        await session.HandleAsync(new CallerSpeaking("Can I move to Monday"));
        _time.Advance(Stable);
        await Eventually.True(() => _model.StreamsOpened == 1, "the speculation to start");
        await session.HandleAsync(new CallerSaid("Can I move to Friday?"));
        await session.Idle;

        await aborted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await Eventually.True(() => _model.StreamsClosed == 2, "both model streams to close");
        Assert.Equal(["Can I move to Monday", "Can I move to Friday?"], _model.Requests.Select(r => r[^1].Text));
        Assert.Equal(["text:Friday ", "text:at ", "text:ten.", "text:|last"], Texts);
        Assert.DoesNotContain(_recorder.Turns, t => t.Text.Contains("guess", StringComparison.Ordinal));
        Assert.Equal(
            [(TurnRole.Agent, "Hi, this is the clinic."), (TurnRole.Caller, "Can I move to Friday?"), (TurnRole.Agent, "Friday at ten.")],
            session.History.Select(t => (t.Role, t.Text)));
    }

    [Fact]
    public async Task Changed_partial_words_cancel_the_speculation_so_only_one_is_ever_in_flight()
    {
        var aborted = new TaskCompletionSource();
        _model.Then(ct =>
        {
            ct.Register(() => aborted.TrySetResult());
            return FakeChatClient.Endless("first", ct);
        }).Reply("Ten ", "is ", "free.");
        await using var session = Start();

        await session.HandleAsync(new CallerSpeaking("Is nine"));
        _time.Advance(Stable);
        await Eventually.True(() => _model.StreamsOpened == 1, "the first speculation to start");
        await session.HandleAsync(new CallerSpeaking("Is nine or ten free"));
        await aborted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        _time.Advance(Stable);
        await Eventually.True(() => _model.StreamsClosed == 2, "the second speculation to read its answer");
        await session.HandleAsync(new CallerSaid("Is nine or ten free?"));
        await session.Idle;

        Assert.Equal(2, _model.Requests.Count);
        Assert.Equal(["text:Ten ", "text:is ", "text:free.", "text:|last"], Texts);
    }

    [Fact]
    public async Task An_interrupt_while_speculating_cancels_it_marks_the_last_answer_heard_and_the_final_is_answered()
    {
        var aborted = new TaskCompletionSource();
        _model.Then(ct =>
        {
            ct.Register(() => aborted.TrySetResult());
            return FakeChatClient.Endless("guess", ct);
        }).Reply("Yes.");
        await using var session = Start();

        await session.HandleAsync(new CallerSpeaking("Sorry, one"));
        _time.Advance(Stable);
        await Eventually.True(() => _model.StreamsOpened == 1, "the speculation to start");
        await session.HandleAsync(new CallerInterrupted("Hi, this is"));
        await aborted.Task.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Empty(Texts);
        var greeting = _recorder.Turns.Last(t => t.Index == 0);
        Assert.Equal(("Hi, this is", true), (greeting.Text, greeting.Interrupted));

        await session.HandleAsync(new CallerSaid("Sorry, one more thing"));
        await session.Idle;
        Assert.Equal(["text:Yes.", "text:|last"], Texts);
        Assert.Equal("Sorry, one more thing", _model.Requests[^1][^1].Text);
        Assert.DoesNotContain(_recorder.Turns, t => t.Text.Contains("guess", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_partial_arriving_after_its_final_starts_nothing()
    {
        _model.Reply("Sure.");
        await using var session = Start();

        await session.HandleAsync(new CallerSaid("Can I move to Friday?"));
        await session.Idle;
        await session.HandleAsync(new CallerSpeaking("Can I move to Friday"));
        _time.Advance(Stable * 5);

        Assert.Single(_model.Requests);
        Assert.Equal(["text:Sure.", "text:|last"], Texts);
    }

    [Fact]
    public async Task With_the_feature_off_partials_are_ignored_and_the_final_is_answered_as_before()
    {
        _model.Reply("Sure.");
        await using var session = Start(preemptive: false);

        await session.HandleAsync(new CallerSpeaking("Can I move"));
        _time.Advance(Stable * 5);
        Assert.Empty(_model.Requests);
        await session.HandleAsync(new CallerSaid("Can I move?"));
        await session.Idle;

        Assert.Equal("Can I move?", Assert.Single(_model.Requests)[^1].Text);
        Assert.Equal(["text:Sure.", "text:|last"], Texts);
    }

    [Fact]
    public async Task A_speculation_asking_for_a_tool_waits_to_be_kept_before_the_tool_runs()
    {
        _model.Then(ct => FakeChatClient.Call("", ConversationTools.EndCall, "reason", "caller is done", ct));
        await using var session = Start();

        await session.HandleAsync(new CallerSpeaking("That is all thanks"));
        _time.Advance(Stable);
        await Eventually.True(() => _model.StreamsClosed == 1, "the speculation to ask for the tool");
        Assert.DoesNotContain(_output.Sent, m => m.StartsWith("end", StringComparison.Ordinal));
        Assert.False(session.HasEnded);

        await session.HandleAsync(new CallerSaid("That is all, thanks."));
        await Eventually.True(() => session.HasEnded, "the kept answer to end the call");
    }

    [Theory]
    [InlineData("Can I move to Friday?", "can i move to friday")]
    [InlineData("  Friday,   at TEN. ", "friday at ten")]
    [InlineData("I'd like that!", "id like that")]
    public void Words_are_compared_without_case_punctuation_or_extra_spaces(string text, string normalized) =>
        Assert.Equal(normalized, TurnGenerator.Normalize(text));
}
