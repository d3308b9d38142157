using System.Text;
using AgentOS.Voice.Calls;

namespace AgentOS.Voice.Events;

/// <summary>
/// One live call's events, made where the call happens and handed to the publisher's buffer. Exists only when events
/// are on, so a call without them pays one null check per seam.
/// </summary>
public sealed class CallEvents
{
    private readonly VoiceEventPublisher _publisher;
    private readonly string _agentId;
    private readonly string _callId;
    private readonly TimeProvider _time;

    private CallEvents(VoiceEventPublisher publisher, string agentId, string callId, TimeProvider time)
    {
        _publisher = publisher;
        _agentId = agentId;
        _callId = callId;
        _time = time;
    }

    /// <summary>Null when <paramref name="publisher"/> is absent or disabled.</summary>
    public static CallEvents? For(VoiceEventPublisher? publisher, string agentId, string callId, TimeProvider time) =>
        publisher is { Enabled: true } ? new CallEvents(publisher, agentId, callId, time) : null;

    internal TimeSpan StreamingInterval => _publisher.Options.StreamingInterval;

    internal TimeProvider Time => _time;

    public void Started(CallRecord call) =>
        Publish(VoiceEventTypes.CallStarted, new CallStartedData(call.Direction, call.From, call.To, call.CallSid));

    public void CallerTurn(int index, string text) => Publish(VoiceEventTypes.CallerTurn, new CallerTurnData(index, text));

    public void AgentTurnDone(int index, long? answer, string text, bool interrupted, string? heardText, double? firstTokenMs, int tokens) =>
        Publish(VoiceEventTypes.AgentTurnDone, new AgentTurnDoneData(index, answer, text, interrupted, heardText, firstTokenMs, tokens));

    public void KeyPressed(string digits) => Publish(VoiceEventTypes.KeyPressed, new KeyPressedData(digits));

    public void ToolCalled(string name, bool failed, double? durationMs) =>
        Publish(VoiceEventTypes.ToolCalled, new ToolCalledData(name, failed, durationMs));

    /// <summary>The hand-off (when it was one) and the end, from the call's final record.</summary>
    public void Ended(CallRecord call, int turns)
    {
        if (call.EndReason == CallEndReasons.HandedOff)
        {
            Publish(VoiceEventTypes.HandOff, new CallHandOffData(call.HandoffData));
        }

        Publish(VoiceEventTypes.CallEnded, new CallEndedData(
            call.EndReason ?? CallEndReasons.Error, call.Duration.TotalSeconds, call.TokensIn, call.TokensOut, call.CharactersSpoken, turns));
    }

    /// <summary>The streaming pieces of model answer number <paramref name="answer"/>.</summary>
    public AnswerStream Answer(long answer) => new(this, answer);

    internal void Publish(string type, object data) =>
        _publisher.Publish(VoiceEvent.ForCall(type, _agentId, _callId, _time.GetUtcNow(), data));
}

/// <summary>
/// Gathers one answer's tokens into <c>turn.agent.streaming</c> pieces: a piece goes out at a sentence end or once the
/// oldest gathered token is <see cref="EventsOptions.StreamingInterval"/> old. Called after each token has been sent
/// to the caller, so gathering never holds a token back; there is no timer, the next token or the answer's end flushes.
/// </summary>
public sealed class AnswerStream
{
    private readonly CallEvents _events;
    private readonly long _answer;
    private readonly StringBuilder _pending = new();
    private readonly Lock _sync = new();
    private long _pendingSince;
    private int _seq;

    internal AnswerStream(CallEvents events, long answer)
    {
        _events = events;
        _answer = answer;
    }

    public void Append(string text)
    {
        lock (_sync)
        {
            if (_pending.Length == 0)
            {
                _pendingSince = _events.Time.GetTimestamp();
            }

            _pending.Append(text);
            // Tokens often carry the space after a sentence's end ("answer. "): look past trailing spaces.
            var trimmed = text.AsSpan().TrimEnd(' ');
            if ((trimmed.Length > 0 && trimmed[^1] is '.' or '!' or '?' or '\n' or ':' or ';')
                || _events.Time.GetElapsedTime(_pendingSince) >= _events.StreamingInterval)
            {
                FlushLocked();
            }
        }
    }

    /// <summary>Sends what is gathered (before a tool runs, and when the answer ends).</summary>
    public void Flush()
    {
        lock (_sync) FlushLocked();
    }

    private void FlushLocked()
    {
        if (_pending.Length > 0)
        {
            _events.Publish(VoiceEventTypes.AgentTurnStreaming, new AgentTurnStreamingData(_answer, _seq++, _pending.ToString()));
            _pending.Clear();
        }
    }
}
