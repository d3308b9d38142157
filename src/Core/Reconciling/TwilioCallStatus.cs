using System.Globalization;
using AgentOS.Voice.Twilio.Webhooks;
using Twilio.Rest.Api.V2010.Account;

namespace AgentOS.Voice.Reconciling;

/// <summary>Twilio's call resource read as the status callback it would have sent, so both take one path into a record.</summary>
public static class TwilioCallStatus
{
    public static TwilioVoiceRequest ToVoiceRequest(CallResource call) => new()
    {
        CallSid = call.Sid,
        AccountSid = call.AccountSid,
        From = call.From,
        To = call.To,
        CallStatus = call.Status?.ToString(),
        Direction = call.Direction,
        AnsweredBy = string.IsNullOrEmpty(call.AnsweredBy) ? null : call.AnsweredBy,
        CallDuration = int.TryParse(call.Duration, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds) ? seconds : null,
        Timestamp = call.EndTime is { } end ? new DateTimeOffset(end.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(end, DateTimeKind.Utc) : end.ToUniversalTime()) : null,
    };

    /// <summary>What a call Twilio does not know becomes: a failed call, with a reason an operator can act on.</summary>
    public static TwilioVoiceRequest NotFound(string callSid, int? code) => new()
    {
        CallSid = callSid,
        CallStatus = "failed",
        ErrorCode = code,
        ErrorMessage = $"Twilio has no call {callSid} (the reconciler looked it up after its status callbacks never arrived).",
    };
}
