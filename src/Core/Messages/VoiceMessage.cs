using System.Text.Json.Serialization;

namespace AgentOS.Voice.Messages;

/// <summary>
/// One spoken message to one phone, with its state and everything that happened to it. Stored in Table Storage
/// (<see cref="TableVoiceMessageStore"/>); <see cref="ETag"/> makes every change conditional on what was read.
/// </summary>
public sealed record VoiceMessage
{
    public required string Id { get; init; }
    public required string AgentId { get; init; }

    /// <summary>E.164 number called.</summary>
    public required string To { get; init; }

    public required string Text { get; init; }

    /// <summary>Voice for this message; null takes the agent's.</summary>
    public string? Voice { get; init; }

    /// <summary>When to call; null means at once.</summary>
    public DateTimeOffset? SendAt { get; init; }

    /// <summary>What the sender asked for; whether a recording is made also depends on the agent's recording policy.</summary>
    public bool RecordRequested { get; init; }

    public string? IdempotencyKey { get; init; }

    public MessageState State { get; init; } = MessageState.Queued;

    /// <summary>How many times rendering and calling was tried.</summary>
    public int Attempts { get; init; }

    /// <summary>When the first attempt began: transient failures are retried for <see cref="VoiceMessageOptions.RetryWindow"/> from here.</summary>
    public DateTimeOffset? FirstAttemptAt { get; init; }

    public string? CallSid { get; init; }

    /// <summary>Twilio's answering-machine verdict (human, machine_end_beep, …) when it gave one.</summary>
    public string? AnsweredBy { get; init; }

    public int? CallDurationSeconds { get; init; }
    public string? RecordingUrl { get; init; }
    public string? RecordingSid { get; init; }
    public int? RecordingDurationSeconds { get; init; }

    /// <summary>Blob holding the rendered audio (named by its content key, so shared by messages with the same words).</summary>
    public string? AudioBlob { get; init; }

    public MessageError? Error { get; init; }

    public IReadOnlyList<MessageHistoryEntry> History { get; init; } = [];

    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>When the record was claimed for calling; a claim with no call SID long after this is a crash to report.</summary>
    public DateTimeOffset? ClaimedAt { get; init; }

    [JsonIgnore]
    public string? ETag { get; init; }

    /// <summary>Moves to <paramref name="state"/> (or stays, when it is the current one) and logs it.</summary>
    public VoiceMessage Transition(MessageState state, DateTimeOffset at, string? detail = null) => this with
    {
        State = state,
        UpdatedAt = at,
        History = [.. History, new MessageHistoryEntry(at, state, detail)],
    };

    /// <summary>Logs something that did not change the state (a retry, an AMD verdict).</summary>
    public VoiceMessage Note(DateTimeOffset at, string detail) => Transition(State, at, detail);
}

/// <summary>Why a message failed. <see cref="Code"/>: "twilio-21211", "tts-failed", "poisoned", "call-outcome-unknown", …</summary>
public sealed record MessageError(string Code, string Message)
{
    /// <summary>A claim that never got its call SID (found by the dispatcher's next delivery or by the reconciler).</summary>
    public static MessageError ClaimWithoutCall(DateTimeOffset? claimedAt) => new(MessageErrorCodes.CallOutcomeUnknown,
        $"Claimed for calling at {claimedAt:O} but no call SID was saved (the worker stopped while calling). " +
        "It is not called again, so nobody is rung twice; check Twilio's call log for this number.");
}

public sealed record MessageHistoryEntry(DateTimeOffset At, MessageState State, string? Detail);

/// <summary>Well-known <see cref="MessageError.Code"/> values besides Twilio's own ("twilio-{code}").</summary>
public static class MessageErrorCodes
{
    /// <summary>
    /// Given up: a permanent failure (the speech provider refused: 401, 403, 404, 422; an unreadable job; an unknown
    /// agent), the retry window ran out, or the host's last attempt failed. The job is in voice-messages-poison.
    /// </summary>
    public const string Poisoned = "poisoned";

    /// <summary>A call may or may not have been placed (crash or lost answer after the claim); it is never placed again.</summary>
    public const string CallOutcomeUnknown = "call-outcome-unknown";

    /// <summary>The agent was deleted or disabled before the call.</summary>
    public const string AgentUnavailable = "agent-unavailable";

    public static string Twilio(int? code) => code is null ? "twilio" : $"twilio-{code}";
}
