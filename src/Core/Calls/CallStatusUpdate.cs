using AgentOS.Voice.Twilio.Webhooks;

namespace AgentOS.Voice.Calls;

/// <summary>
/// What Twilio's call status does to a live call's record, whether it came as a status callback or was fetched from
/// the call resource by the reconciler: both go through here and then through the store's merge
/// (<see cref="CallRecordMerge"/>), so an end never goes back and end reasons keep their precedence.
/// </summary>
public static class CallStatusUpdate
{
    private static readonly HashSet<string> FinalStatuses = new(StringComparer.Ordinal) { "completed", "busy", "no-answer", "failed", "canceled" };

    public static bool IsFinal(string? callStatus) => callStatus is not null && FinalStatuses.Contains(callStatus);

    /// <summary>
    /// A final status ends the record; with Twilio's CallDuration the start is set back from the end so the stored
    /// duration is the one Twilio bills. Calls that never connected (busy, no-answer, failed, canceled) keep that
    /// status as their end reason. Any other status changes nothing here.
    /// </summary>
    public static CallRecord Apply(CallRecord call, TwilioVoiceRequest voice, DateTimeOffset now)
    {
        var status = voice.CallStatus;
        if (!IsFinal(status))
        {
            return call;
        }

        var ended = voice.Timestamp ?? now;
        return call with
        {
            State = CallState.Ended,
            StartedAt = voice.CallDuration is { } seconds ? ended - TimeSpan.FromSeconds(seconds) : call.StartedAt,
            EndedAt = ended,
            Billed = voice.CallDuration is not null,
            EndReason = call.EndReason ?? (status == "completed" ? CallEndReasons.CallerHungUp : status),
        };
    }
}
