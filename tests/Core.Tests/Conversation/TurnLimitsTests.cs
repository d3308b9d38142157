using System.Runtime.CompilerServices;
using AgentOS.Voice.Agents;
using AgentOS.Voice.Calls;
using AgentOS.Voice.Conversation;
using AgentOS.Voice.TestSupport;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace AgentOS.Voice.Core.Tests.Conversation;

/// <summary>What bounds one turn: the model's first-token deadline (on virtual time) and the caller turn's length.</summary>
public sealed class TurnLimitsTests
{
    private readonly FakeChatClient _model = new();
    private readonly RecordingOutput _output = new();
    private readonly MemoryRecorder _recorder = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task A_model_that_sends_nothing_by_the_first_token_deadline_is_abandoned_and_the_caller_hears_the_apology()
    {
        _model.Then(Hang).Reply("Yes, we are open.");
        var options = new ConversationOptions { FirstTokenTimeout = TimeSpan.FromSeconds(3) };
        await using var session = Start(options);

        await session.HandleAsync(new CallerSaid("Are you open?"));
        await Eventually.True(() => _model.StreamsOpened == 1, "the model request is sent");
        _time.Advance(TimeSpan.FromSeconds(2.9));
        Assert.Empty(_output.Sent);
        _time.Advance(TimeSpan.FromSeconds(0.1));
        // Real time only bounds how long a broken deadline would hang the test run; it is no assertion.
        await session.Idle.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal([$"text:{options.ApologyText}|last"], _output.Sent);
        Assert.Contains("FirstTokenTimeout", session.Record.LastError, StringComparison.Ordinal);
        Assert.Equal(1, _model.StreamsClosed);
        Assert.Equal(options.ApologyText, _recorder.Turns.Last(t => t.Role == TurnRole.Agent).Text);

        // The call goes on: the next turn is answered.
        await session.HandleAsync(new CallerSaid("Hello?"));
        await session.Idle;
        Assert.Equal(["text:Yes, we are open.", "text:|last"], _output.Sent.Skip(1));
    }

    [Fact]
    public async Task Once_the_model_has_started_a_slow_answer_is_not_cut_off()
    {
        _model.Then(StartThenPause);
        await using var session = Start(new ConversationOptions { FirstTokenTimeout = TimeSpan.FromSeconds(3) });

        await session.HandleAsync(new CallerSaid("Tell me about Friday"));
        await _output.WaitForAsync(sent => sent.Count == 1);
        // A second at a time until the answer ends: past the 3 s deadline, and the model's pause registers its timer
        // whenever the session asks for the next token.
        await Eventually.True(() =>
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            return session.Idle.IsCompleted;
        }, "the answer ends");

        Assert.Equal(["text:Friday ", "text:is free.", "text:|last"], _output.Sent);
        Assert.Null(session.Record.LastError);
    }

    [Fact]
    public async Task A_caller_turn_over_the_limit_is_cut_for_the_model_and_recorded_whole()
    {
        var said = string.Concat(Enumerable.Repeat("a pasted page of text ", 3_000));
        _model.Reply("That is a lot.");

        await using var session = Start(new ConversationOptions { MaxPromptCharacters = 500 });
        await session.HandleAsync(new CallerSaid(said));
        await session.Idle;

        Assert.Equal(said[..500] + " …", _model.Requests[^1][^1].Text);
        Assert.Equal(said, _recorder.Turns.Single(t => t.Role == TurnRole.Caller).Text);
    }

    private static async IAsyncEnumerable<ChatResponseUpdate> Hang([EnumeratorCancellation] CancellationToken ct = default)
    {
        await Task.Delay(Timeout.InfiniteTimeSpan, ct);
        yield break;
    }

    private async IAsyncEnumerable<ChatResponseUpdate> StartThenPause([EnumeratorCancellation] CancellationToken ct = default)
    {
        yield return new ChatResponseUpdate(ChatRole.Assistant, "Friday ");
        await Task.Delay(TimeSpan.FromSeconds(8), _time, ct);
        yield return new ChatResponseUpdate(ChatRole.Assistant, "is free.");
    }

    private ConversationSession Start(ConversationOptions options) =>
        new(new Agent { Id = "front-desk", Name = "Front desk", PhoneNumber = "+15005550006" },
            new CallStart { CallId = "c-1", CallSid = "CA1", Direction = "inbound", From = "+1", To = "+2" },
            _model, _output, _recorder, options, _time, NullLogger.Instance);
}
