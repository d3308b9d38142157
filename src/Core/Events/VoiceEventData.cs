namespace AgentOS.Voice.Events;

// The data of each event type, serialized camelCase. Fields are added, never renamed or removed, within a schema version.

/// <summary><c>call.started</c>: the relay session opened (the call is connected to the agent).</summary>
public sealed record CallStartedData(string Direction, string From, string To, string CallSid);

/// <summary><c>call.ringing</c> / <c>call.answered</c>: Twilio's call status, from its status callback or (inbound calls) the incoming-call webhook.</summary>
public sealed record CallStatusData(string CallSid, string Direction, string Status, string? AnsweredBy = null);

/// <summary><c>call.turn.caller</c>: what the caller said (final transcript).</summary>
public sealed record CallerTurnData(int Index, string Text);

/// <summary>
/// <c>call.turn.agent.streaming</c>: the next piece of a model answer, tokens coalesced per sentence or per interval.
/// <c>Answer</c> identifies the model answer within the call (increasing, not consecutive); <c>Seq</c> counts pieces within it from 0, so a console
/// can see a gap. The transcript index is not known until the answer ends (tools may take indexes meanwhile).
/// </summary>
public sealed record AgentTurnStreamingData(long Answer, int Seq, string Text);

/// <summary>
/// <c>call.turn.agent.done</c>: an agent turn as it ended. <c>Text</c> is what was sent; when interrupted,
/// <c>HeardText</c> is what the caller heard before cutting in. <c>Answer</c> is null for text said without the model
/// (greeting, keypad menu, hand-off and goodbye lines).
/// </summary>
public sealed record AgentTurnDoneData(
    int Index, long? Answer, string Text, bool Interrupted, string? HeardText, double? FirstTokenMs, int Tokens);

/// <summary><c>call.key.pressed</c>.</summary>
public sealed record KeyPressedData(string Digits);

/// <summary><c>call.tool.called</c>: a tool ran (built-in or the agent's HTTP tool).</summary>
public sealed record ToolCalledData(string Name, bool Failed, double? DurationMs);

/// <summary><c>call.handoff</c>: the call is being transferred to a person; <c>Data</c> is the JSON handed to Twilio (it holds the reason).</summary>
public sealed record CallHandOffData(string? Data);

/// <summary><c>call.ended</c>: why, how long, and the inputs its cost is computed from.</summary>
public sealed record CallEndedData(string Reason, double DurationSeconds, long TokensIn, long TokensOut, long CharactersSpoken, int Turns);

/// <summary>
/// Every <c>message.*</c> event: the state it moved to, and what is known at that point (the rest null).
/// <c>AnsweredBy</c> is <c>human</c> or <c>machine</c> on <c>message.answered</c>; <c>Error</c> on <c>message.failed</c>.
/// </summary>
public sealed record MessageStateData(
    string State, string To, string? CallSid = null, string? AnsweredBy = null, string? AudioUrl = null,
    string? RecordingUrl = null, double? RecordingSeconds = null, string? Error = null);
