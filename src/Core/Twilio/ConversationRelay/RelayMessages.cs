namespace AgentOS.Voice.Twilio.ConversationRelay;

/// <summary>A message Twilio sends over a ConversationRelay socket, discriminated by its <c>type</c> field.</summary>
public abstract record RelayMessage;

/// <summary>First message of every session: who is calling whom, plus the TwiML &lt;Parameter&gt;s.</summary>
public sealed record SetupMessage : RelayMessage
{
    public string SessionId { get; init; } = string.Empty;
    public string AccountSid { get; init; } = string.Empty;
    public string ParentCallSid { get; init; } = string.Empty;
    public string CallSid { get; init; } = string.Empty;
    public string From { get; init; } = string.Empty;
    public string To { get; init; } = string.Empty;
    public string ForwardedFrom { get; init; } = string.Empty;
    public string CallType { get; init; } = string.Empty;
    public string CallerName { get; init; } = string.Empty;

    /// <summary>"inbound" or "outbound" (the latter observed for API-created calls, not documented).</summary>
    public string Direction { get; init; } = string.Empty;
    public string CallStatus { get; init; } = string.Empty;
    public IReadOnlyDictionary<string, string> CustomParameters { get; init; } = new Dictionary<string, string>();
}

/// <summary>What the caller said. <see cref="Last"/> is false only for partial prompts.</summary>
public sealed record PromptMessage(string VoicePrompt, string? Lang, bool Last) : RelayMessage;

/// <summary>One key pressed on the caller's keypad (0-9, *, #, A-D).</summary>
public sealed record DtmfMessage(string Digit) : RelayMessage;

/// <summary>The caller spoke over the agent; Twilio already stopped playback after <see cref="UtteranceUntilInterrupt"/>.</summary>
public sealed record InterruptMessage(string UtteranceUntilInterrupt, double? DurationUntilInterruptMs) : RelayMessage;

/// <summary>Twilio rejected something we sent (or reports a problem of its own).</summary>
public sealed record ErrorMessage(string Description) : RelayMessage;

/// <summary>Debug/speaker events; their shape is not formally documented, so the value is kept as text whatever it was.</summary>
public sealed record InfoMessage(string? Name, string? Value) : RelayMessage;

/// <summary>A type this code does not know yet; logged and ignored.</summary>
public sealed record UnknownMessage(string Type) : RelayMessage;

/// <summary>The outcome of parsing one frame: a message, or why the frame was rejected.</summary>
public readonly record struct RelayParseResult(RelayMessage? Message, string? Failure)
{
    public bool Succeeded => Message is not null;

    public static RelayParseResult Fail(string reason) => new(null, reason);
}
