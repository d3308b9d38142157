using AgentOS.Voice.Calls;
using AgentOS.Voice.Hosting;

namespace AgentOS.Voice.Conversation;

/// <summary>History turns and the call record, handed to the recorder as they change.</summary>
public sealed partial class ConversationSession
{
    private void FinishTurn(Generation g, string heard, bool interrupted)
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

        if (g.Activity is { } span)
        {
            span.SetTag("agentos.turn.tokens", g.Tokens);
            span.SetTag("agentos.turn.interrupted", interrupted);
            span.Stop();
        }
    }

    internal HistoryTurn AddTurn(TurnRole role, string text, ToolExchange? tool = null, AgentToolResult? http = null)
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
                // What the answer said before the tool ran goes out first, so the console shows them in order.
                Generation? current;
                lock (_sync) current = _current;
                current?.Stream?.Flush();
                _events.ToolCalled(tool?.Name ?? text, http?.Failed ?? false, http?.ElapsedMs);
                break;
        }

        return turn;
    }

    private void AddSpoken(string text)
    {
        lock (_sync) _record = _record with { CharactersSpoken = _record.CharactersSpoken + text.Length };
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

    private void Finish(string reason, string? handoffData)
    {
        CallRecord record;
        int turns;
        lock (_sync)
        {
            if (_ended && _record.State == CallState.Ended)
            {
                return;
            }

            _ended = true;
            _record = _record with { State = CallState.Ended, EndedAt = _time.GetUtcNow(), EndReason = reason, HandoffData = handoffData };
            record = _record;
            turns = _nextIndex;
        }

        _recorder.Record(record);
        _events?.Ended(record, turns);
        if (reason == CallEndReasons.HandedOff)
        {
            VoiceTelemetry.Handoffs.Add(1);
        }

        _activity?.SetTag("agentos.call.end_reason", reason);
        StopCallActivity();
    }
}
