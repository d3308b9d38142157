using System.Text.Json.Serialization;
using AgentOS.Voice.Simulator.Relay;

namespace AgentOS.Voice.Simulator.Calls;

/// <summary>One entry of a call's log, in the order it happened.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(StatusChanged), "status")]
[JsonDerivedType(typeof(WebhookRequested), "webhook")]
[JsonDerivedType(typeof(VerbExecuted), "verb")]
[JsonDerivedType(typeof(AudioPlayed), "play")]
[JsonDerivedType(typeof(RecordingMade), "recording")]
[JsonDerivedType(typeof(CallTransferred), "transfer")]
[JsonDerivedType(typeof(MachineDetected), "amd")]
[JsonDerivedType(typeof(BeepHeard), "beep")]
[JsonDerivedType(typeof(RelaySessionEnded), "relay")]
[JsonDerivedType(typeof(CallError), "error")]
public abstract record CallEvent
{
    public DateTimeOffset At { get; init; }

    public abstract string Describe();
}

public sealed record StatusChanged(string Status) : CallEvent
{
    public override string Describe() => $"status {Status}";
}

/// <summary>A request to the app; <see cref="HttpStatus"/> is null when no response came.</summary>
public sealed record WebhookRequested(string Purpose, string Method, string Url, int? HttpStatus, string? Error) : CallEvent
{
    public override string Describe() => $"{Purpose}: {Method} {Url} → {(HttpStatus?.ToString() ?? Error)}";
}

public sealed record VerbExecuted(string Verb, string Detail) : CallEvent
{
    public override string Describe() => $"<{Verb}> {Detail}";
}

/// <summary>
/// A &lt;Play&gt;; <see cref="BeforeBeep"/> is null when the callee is not a voicemail box, else whether playback started
/// while the greeting was still running.
/// </summary>
public sealed record AudioPlayed(
    string Url, bool Playable, string? Format, int SampleRate, TimeSpan Duration, long Bytes, bool? BeforeBeep, string? Error) : CallEvent
{
    public override string Describe() => Playable
        ? $"<Play> {Url} {Format} {SampleRate} Hz {Duration.TotalSeconds:0.##} s{(BeforeBeep is { } b ? b ? " (before the beep)" : " (after the beep)" : "")}"
        : $"<Play> {Url} FAILED: {Error}";
}

public sealed record RecordingMade(string RecordingSid, string RecordingUrl, int DurationSeconds) : CallEvent
{
    public override string Describe() => $"recording {RecordingSid} {DurationSeconds} s";
}

public sealed record CallTransferred(IReadOnlyList<string> Numbers, string? CallerId, int TimeoutSeconds, string DialCallStatus) : CallEvent
{
    public override string Describe() => $"<Dial> {string.Join(", ", Numbers)} (callerId {CallerId ?? "-"}, timeout {TimeoutSeconds} s) {DialCallStatus}";
}

public sealed record MachineDetected(string AnsweredBy, int DetectionDurationMs) : CallEvent
{
    public override string Describe() => $"AMD {AnsweredBy} after {DetectionDurationMs} ms";
}

public sealed record BeepHeard : CallEvent
{
    public override string Describe() => "voicemail beep";
}

public sealed record RelaySessionEnded(
    string Url, string SessionId, string SessionStatus, int SessionDurationSeconds, string? HandoffData,
    string? ErrorCode, string? ErrorMessage, IReadOnlyDictionary<string, string> CustomParameters, CallerResult? Transcript) : CallEvent
{
    public override string Describe() =>
        $"ConversationRelay {SessionId} {SessionStatus}{(HandoffData is null ? "" : $" handoff {HandoffData}")}{(ErrorCode is null ? "" : $" error {ErrorCode} {ErrorMessage}")}";
}

public sealed record CallError(string Message) : CallEvent
{
    public override string Describe() => $"ERROR {Message}";
}
