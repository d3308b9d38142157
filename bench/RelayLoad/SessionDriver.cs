using System.Diagnostics;
using AgentOS.Voice.Simulator.Relay;

namespace AgentOS.Voice.Bench.RelayLoad;

/// <summary>A turn as the load tool measured it, in absolute Stopwatch timestamps where it matters.</summary>
/// <remarks>
/// With a talking caller, <see cref="PromptSentAt"/> is the final prompt's, <see cref="LastWordAt"/> the last partial's
/// (its words complete), and <see cref="Misheard"/> says the final's words differed from it.
/// </remarks>
internal sealed record TurnSample(string Tag, bool Counted, bool Interrupt, long PromptSentAt, long? FirstTokenAt, long? InterruptSentAt, int StaleTokens, double? StaleLatenessMs, bool Completed,
    long? LastWordAt = null, bool Misheard = false);

/// <summary>
/// One caller: a signed ConversationRelay session that starts a turn every interval (prompt → answer, then a DTMF key;
/// every few turns a prompt interrupted after some tokens), and records each turn. Prompts carry a tag ("[s3t7]") so the
/// fake LLM's own record of the stream can be matched to the turn; pre-warm sessions are named "w" instead of "s", so
/// their calls and streams never match a measured one.
/// </summary>
internal sealed class SessionDriver(int index, LoadOptions options, string url, long runStart, long warmupEnd, char name = 's')
{
    private readonly List<TurnSample> _turns = [];
    private readonly List<double> _sendLatenessMs = [];
    private readonly List<double> _promptToWireMs = [];
    private readonly object _gate = new();
    // A talking caller's pace: the phone simulator's speech rate and partial interval, this run's endpointing.
    private readonly CallerScript _pace = new() { EndpointingDelay = TimeSpan.FromMilliseconds(options.EndpointingMs) };
    private int _tokens;
    private TaskCompletionSource _enoughTokens = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _answerDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _tokensWanted = int.MaxValue;

    public IReadOnlyList<TurnSample> Turns => _turns;
    public IReadOnlyList<double> SendLatenessMs => _sendLatenessMs;
    /// <summary>Per turn: the load tool started sending the prompt → handed it to the socket.</summary>
    public IReadOnlyList<double> PromptToWireMs => _promptToWireMs;
    public List<string> Errors { get; } = [];
    public ConversationRelayCaller? Caller { get; private set; }

    /// <summary>The session's call id (also its call sid), which its relay URL's ticket names.</summary>
    public static string CallIdOf(char name, int index) => $"CAbench{name}{index:D6}";

    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        var caller = await ConversationRelayCaller.ConnectAsync(url, BenchStack.AuthToken, cancellationToken: cancellationToken);
        caller.MessageReceived = OnMessage;
        var callId = CallIdOf(name, index);
        await caller.SendSetupAsync(new RelaySetup(
            RelaySetup.NewSessionId(), "AC00000000000000000000000000000000", callId, "+15550001000", "+15550000100",
            "inbound", "in-progress", new Dictionary<string, string> { ["callId"] = callId, ["agentId"] = BenchStack.AgentId }), cancellationToken);
        Caller = caller;
    }

    public async Task RunTurnsAsync(long runEnd, CancellationToken cancellationToken)
    {
        var caller = Caller!;
        var interval = options.TurnInterval;
        // Stagger sessions across one interval so turns arrive at an even rate, as calls do.
        var offset = interval * index / Math.Max(1, options.Sessions);
        for (var k = 0; ; k++)
        {
            var due = runStart + Ticks(offset + interval * k);
            if (due >= runEnd || caller.SessionOver.IsCompleted)
            {
                return;
            }

            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken);
            }

            var interrupt = options.InterruptEvery > 0 && k % options.InterruptEvery == options.InterruptEvery - 1;
            var tag = $"{name}{index}t{k}";
            lock (_gate)
            {
                _tokens = 0;
                _tokensWanted = interrupt ? options.InterruptAfterTokens : int.MaxValue;
                _enoughTokens = new(TaskCreationOptions.RunContinuationsAsynchronously);
                _answerDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            var startedAt = Stopwatch.GetTimestamp();
            _sendLatenessMs.Add(Stopwatch.GetElapsedTime(due, startedAt).TotalMilliseconds);
            var text = $"[{tag}] What are your opening hours?";
            var misheard = options.Preemptive is not null && options.MisheardEvery > 0 && k % options.MisheardEvery == options.MisheardEvery - 1;
            TimeSpan? lastWordAt = options.Preemptive is null ? null : await caller.SpeakPartialsAsync(text, _pace, cancellationToken);
            var sentAt = lastWordAt is null ? startedAt : Stopwatch.GetTimestamp();
            // The tag stays in a misheard final, so the fake's streams for the turn, speculative and retried, share it.
            var turn = await caller.SendPromptAsync(misheard ? $"[{tag}] What are your opening powers?" : text, lastWordAt, cancellationToken);
            // The caller's times count from its connection; its origin converts them to absolute ticks. The turn is
            // timed from the prompt handed to the socket: writing its JSON is the load tool's work, not RelayHost's.
            var origin = caller.ClockOrigin;
            var promptAt = origin + Ticks(turn.PromptSentAt);
            _promptToWireMs.Add(Stopwatch.GetElapsedTime(sentAt, promptAt).TotalMilliseconds);
            long? interruptAt = null;
            var answerTimeout = interval + TimeSpan.FromSeconds(5);
            try
            {
                if (interrupt)
                {
                    await _enoughTokens.Task.WaitAsync(answerTimeout, cancellationToken);
                    interruptAt = Stopwatch.GetTimestamp();
                    if (!await caller.InterruptAsync(cancellationToken))
                    {
                        // The answer had already ended (the load tool ran late): nothing was interrupted.
                        interruptAt = null;
                    }

                    // Late tokens of the cancelled answer are counted on this turn until the next prompt.
                }
                else
                {
                    await _answerDone.Task.WaitAsync(answerTimeout, cancellationToken);
                    await caller.PressKeyAsync('1', cancellationToken);
                }
            }
            catch (TimeoutException)
            {
                Errors.Add($"{tag}: no {(interrupt ? $"{options.InterruptAfterTokens} tokens" : "complete answer")} within {answerTimeout.TotalSeconds:F0} s");
            }

            var counted = startedAt >= warmupEnd;
            _turns.Add(new TurnSample(tag, counted, interrupt, promptAt, origin + Ticks(turn.FirstTokenAt), interruptAt, 0, null, false,
                origin + Ticks(lastWordAt), misheard));
        }
    }

    /// <summary>Fills in what could only be known after the turn's late tokens had time to arrive.</summary>
    public IReadOnlyList<TurnSample> Finish()
    {
        // The measured turns are the prompts; the replies to the key pressed between them are turns of their own.
        var records = Caller?.Result.Turns.Where(t => t.Key is null).ToList() ?? [];
        for (var i = 0; i < _turns.Count && i < records.Count; i++)
        {
            var record = records[i];
            _turns[i] = _turns[i] with
            {
                StaleTokens = record.StaleTokens,
                StaleLatenessMs = record.StaleLateness?.TotalMilliseconds,
                Completed = record.Completed,
            };
        }

        if (Caller?.Result.Error is { } error)
        {
            Errors.Add($"{name}{index}: {error}");
        }

        return _turns;
    }

    private void OnMessage(CallerMessage message)
    {
        if (message.Type != "text")
        {
            return;
        }

        lock (_gate)
        {
            if (message.Json.Contains("\"last\":true", StringComparison.Ordinal))
            {
                _answerDone.TrySetResult();
            }

            if (!message.Json.Contains("\"token\":\"\"", StringComparison.Ordinal) && ++_tokens >= _tokensWanted)
            {
                _enoughTokens.TrySetResult();
            }
        }
    }

    private static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    private static long? Ticks(TimeSpan? span) => span is { } s ? Ticks(s) : null;
}
