using System.Globalization;

namespace AgentOS.Voice.Twilio.Webhooks;

/// <summary>
/// The parameters of a Twilio voice webhook we act on: the standard call fields plus those of status, recording,
/// machine detection and ConversationRelay action callbacks. Absent fields are null; numbers Twilio sends as text
/// are parsed, and a value that does not parse is null rather than an error.
/// </summary>
public sealed record TwilioVoiceRequest
{
    public string? CallSid { get; init; }
    public string? AccountSid { get; init; }
    public string? From { get; init; }
    public string? To { get; init; }
    public string? CallStatus { get; init; }
    public string? Direction { get; init; }
    public string? AnsweredBy { get; init; }
    public int? CallDuration { get; init; }
    public string? RecordingUrl { get; init; }
    public string? RecordingSid { get; init; }
    public int? RecordingDuration { get; init; }
    public string? Digits { get; init; }
    public string? SessionId { get; init; }

    /// <summary>ended (we sent end), completed (caller hung up) or failed.</summary>
    public string? SessionStatus { get; init; }

    public int? SessionDuration { get; init; }

    /// <summary>The string our session sent with end (JSON by our convention), only when it sent one.</summary>
    public string? HandoffData { get; init; }

    public int? ErrorCode { get; init; }
    public string? ErrorMessage { get; init; }

    /// <summary>Milliseconds machine detection took.</summary>
    public int? MachineDetectionDuration { get; init; }

    public int? SequenceNumber { get; init; }
    public DateTimeOffset? Timestamp { get; init; }

    /// <summary>The request from a webhook's form fields; <paramref name="field"/> gives a field's first value, or null.</summary>
    public static TwilioVoiceRequest FromForm(Func<string, string?> field)
    {
        ArgumentNullException.ThrowIfNull(field);
        string? S(string name) => field(name) is { Length: > 0 } value ? value : null;
        int? I(string name) => int.TryParse(S(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;
        return new TwilioVoiceRequest
        {
            CallSid = S("CallSid"),
            AccountSid = S("AccountSid"),
            From = S("From"),
            To = S("To"),
            CallStatus = S("CallStatus"),
            Direction = S("Direction"),
            AnsweredBy = S("AnsweredBy"),
            CallDuration = I("CallDuration"),
            RecordingUrl = S("RecordingUrl"),
            RecordingSid = S("RecordingSid"),
            RecordingDuration = I("RecordingDuration"),
            Digits = S("Digits"),
            SessionId = S("SessionId"),
            SessionStatus = S("SessionStatus"),
            SessionDuration = I("SessionDuration"),
            HandoffData = S("HandoffData"),
            ErrorCode = I("ErrorCode"),
            ErrorMessage = S("ErrorMessage"),
            MachineDetectionDuration = I("MachineDetectionDuration"),
            SequenceNumber = I("SequenceNumber"),
            Timestamp = TwilioDates.Parse(S("Timestamp")),
        };
    }
}
