namespace AgentOS.Voice.Events;

/// <summary>The CloudEvents <c>type</c> of every event we publish (docs/events.md lists each one's data).</summary>
public static class VoiceEventTypes
{
    private const string Call = "agentos.voice.call.";
    private const string Message = "agentos.voice.message.";

    public const string CallStarted = Call + "started";
    public const string CallRinging = Call + "ringing";
    public const string CallAnswered = Call + "answered";
    public const string CallerTurn = Call + "turn.caller";
    public const string AgentTurnStreaming = Call + "turn.agent.streaming";
    public const string AgentTurnDone = Call + "turn.agent.done";
    public const string KeyPressed = Call + "key.pressed";
    public const string ToolCalled = Call + "tool.called";
    public const string HandOff = Call + "handoff";
    public const string CallEnded = Call + "ended";
    public const string CallOutcome = Call + "outcome";

    public const string MessageQueued = Message + "queued";
    public const string MessageRendered = Message + "rendered";
    public const string MessageCalling = Message + "calling";
    public const string MessageAnswered = Message + "answered";
    public const string MessageRecorded = Message + "recorded";
    public const string MessageCompleted = Message + "completed";
    public const string MessageFailed = Message + "failed";
    public const string MessageOutcome = Message + "outcome";
}
