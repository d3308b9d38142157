using AgentOS.Voice.Calls;
using AgentOS.Voice.Events;
using Microsoft.Extensions.AI;

namespace AgentOS.Voice.Conversation;

/// <summary>
/// One call's history, record and events: every turn is kept for the model, handed to the recorder and published as
/// it happens, and the call record's counters follow the call. Thread-safe: the input path and the answer's task both
/// write to it.
/// </summary>
internal sealed class CallLog
{
    private readonly CallStart _call;
    private readonly ICallRecorder _recorder;
    private readonly CallEvents? _events;
    private readonly TimeProvider _time;
    private readonly ConversationHistory _history;
    private readonly Lock _sync = new();
    private CallRecord _record;
    private int _nextIndex;
    private bool _ended;

    public CallLog(string agentId, CallStart call, ConversationHistory history, ICallRecorder recorder, CallEvents? events, TimeProvider time)
    {
        _call = call;
        _history = history;
        _recorder = recorder;
        _events = events;
        _time = time;
        _record = new CallRecord
        {
            CallId = call.CallId,
            AgentId = agentId,
            CallSid = call.CallSid,
            Direction = call.Direction,
            From = call.From,
            To = call.To,
            StartedAt = time.GetUtcNow(),
            Attempt = call.Attempt,
        };
        _recorder.Record(_record);
        _events?.Started(_record);
    }

    public bool HasEnded
    {
        get { lock (_sync) return _ended; }
    }

    public IReadOnlyList<HistoryTurn> History
    {
        get { lock (_sync) return [.. _history.Turns]; }
    }

    public CallRecord Record
    {
        get { lock (_sync) return _record; }
    }

    /// <summary>The prompt and the turns within the model's budget, for the next answer.</summary>
    public List<ChatMessage> ToMessages()
    {
        lock (_sync) return _history.ToMessages();
    }

    /// <summary>
    /// Adds a turn; a tool's turn publishes what <paramref name="answerSoFar"/> said before it first, so the console
    /// shows them in order.
    /// </summary>
    public void AddTurn(TurnRole role, string text, ToolExchange? tool = null, AgentToolResult? http = null, AnswerStream? answerSoFar = null)
    {
        HistoryTurn turn;
        lock (_sync)
        {
            turn = new HistoryTurn(_nextIndex++, role, text, Tool: tool);
            _history.Add(turn);
        }

        Persist(turn, firstTokenMs: null, tokens: 0, http);
        switch (role)
        {
            case TurnRole.Caller:
                _events?.CallerTurn(turn.Index, text);
                break;
            case TurnRole.Agent:
                _events?.AgentTurnDone(turn.Index, null, text, interrupted: false, null, null, 0);
                break;
            case TurnRole.Tool when _events is not null:
                answerSoFar?.Flush();
                _events.ToolCalled(tool?.Name ?? text, http?.Failed ?? false, http?.ElapsedMs);
                break;
        }
    }

    /// <summary>Records the agent's turn of answer <paramref name="g"/>: <paramref name="heard"/> is what the caller heard of it.</summary>
    public void AddAnswer(Generation g, string heard, bool interrupted)
    {
        HistoryTurn turn;
        lock (_sync)
        {
            turn = new HistoryTurn(_nextIndex++, TurnRole.Agent, heard, interrupted);
            _history.Add(turn);
            _record = _record with { CharactersSpoken = _record.CharactersSpoken + g.Spoken.Length };
        }

        Persist(turn, g.FirstTokenMs, g.Tokens);
        if (_events is not null)
        {
            g.Stream?.Flush();
            _events.AgentTurnDone(turn.Index, g.Id, g.Spoken.ToString(), interrupted, interrupted ? heard : null, g.FirstTokenMs, g.Tokens);
        }
    }

    /// <summary>The caller cut off the playback of an answer already fully sent: its turn keeps only what was heard.</summary>
    public void CutOffLastAnswer(string heardText)
    {
        HistoryTurn? rewritten;
        lock (_sync) rewritten = _history.MarkLastAgentTurnHeard(heardText);
        if (rewritten is not null)
        {
            Persist(rewritten, firstTokenMs: null, tokens: 0);
            _events?.AgentTurnDone(rewritten.Index, null, rewritten.Text, interrupted: true, heardText, null, 0);
        }
    }

    public void AddSpoken(string text)
    {
        lock (_sync) _record = _record with { CharactersSpoken = _record.CharactersSpoken + text.Length };
    }

    public void AddUsage(UsageDetails usage)
    {
        lock (_sync)
        {
            _record = _record with
            {
                TokensIn = _record.TokensIn + (usage.InputTokenCount ?? 0),
                TokensOut = _record.TokensOut + (usage.OutputTokenCount ?? 0),
            };
        }
    }

    public void SetLastError(string error)
    {
        lock (_sync) _record = _record with { LastError = error };
    }

    /// <summary>Records the call's end; false when it had already ended.</summary>
    public bool End(string reason, string? handoffData)
    {
        CallRecord record;
        int turns;
        lock (_sync)
        {
            if (_ended)
            {
                return false;
            }

            _ended = true;
            _record = _record with { State = CallState.Ended, EndedAt = _time.GetUtcNow(), EndReason = reason, HandoffData = handoffData };
            record = _record;
            turns = _nextIndex;
        }

        _recorder.Record(record);
        _events?.Ended(record, turns);
        return true;
    }

    private void Persist(HistoryTurn turn, double? firstTokenMs, int tokens, AgentToolResult? http = null) => _recorder.Record(new TranscriptTurn
    {
        CallId = _call.CallId,
        Index = turn.Index,
        Attempt = _call.Attempt,
        Role = turn.Role,
        Text = turn.Text,
        Interrupted = turn.Interrupted,
        At = _time.GetUtcNow(),
        FirstTokenMs = firstTokenMs,
        TokenCount = tokens,
        ToolName = turn.Tool?.Name,
        ToolMs = http?.ElapsedMs,
        ToolFailed = http?.Failed ?? false,
    });
}
