namespace AgentOS.Voice.Calls;

/// <summary>
/// How a write to a call record combines with the record already stored. Three writers touch one record at different
/// moments and in no fixed order: the relay session (its own view, queued through the recorder, possibly a second
/// session after a failed socket), Twilio's relay action (how the session ended, as Twilio saw it) and the status
/// callback (the final status and billed duration). No write replaces another's fields wholesale:
/// <list type="bullet">
/// <item>Who and what (agent, call sid, direction, numbers): the first value stored stays; a record never moves to another agent.</item>
/// <item>An ended record stays ended. Only a later relay session of the same call reopens one that an earlier session
/// ended (Twilio reconnected after a failed socket: the call went on); an end Twilio reported stays.</item>
/// <item>Two ends: the reason earlier in <see cref="Precedence"/> wins, whoever wrote last.</item>
/// <item>Times: Twilio's billed ones (<see cref="CallRecord.Billed"/>) win; otherwise the earliest start and the first end.</item>
/// <item>Counters (tokens, characters) are each session's own and are kept per session by the store, never lowered.</item>
/// </list>
/// </summary>
public static class CallRecordMerge
{
    /// <summary>
    /// End reasons, the one that says most about the call first. A session's error (a setup that did not match its
    /// ticket) or Twilio's failed last attempt beats everything; Twilio's relay action saying the agent ended a call
    /// the session thought it handed off (no transfer number) beats <c>handed-off</c>; a session's own reasons beat
    /// the status callback's default <c>caller-hung-up</c>, which only beats Twilio's never-connected statuses.
    /// </summary>
    public static readonly IReadOnlyList<string> Precedence =
    [
        CallEndReasons.Error,
        CallEndReasons.AgentEnded,
        CallEndReasons.HandedOff,
        CallEndReasons.IdleTimeout,
        CallEndReasons.ServerShutdown,
        CallEndReasons.CallerHungUp,
        "busy",
        "no-answer",
        "failed",
        "canceled",
    ];

    /// <summary>
    /// The record after <paramref name="incoming"/> lands on <paramref name="stored"/>, whose end (if ended) was written
    /// by relay session <paramref name="storedEndAttempt"/> (0: by Twilio's webhooks or the API). Also returns which
    /// session the merged record's end is from, for the next merge.
    /// </summary>
    public static (CallRecord Record, int EndAttempt) Merge(CallRecord stored, int storedEndAttempt, CallRecord incoming)
    {
        var reopened = stored.State == CallState.Ended && incoming.State == CallState.InProgress
            && storedEndAttempt > 0 && incoming.Attempt > storedEndAttempt && !stored.Billed;
        var merged = incoming with
        {
            AgentId = Either(stored.AgentId, incoming.AgentId),
            CallSid = Either(stored.CallSid, incoming.CallSid),
            Direction = Either(stored.Direction, incoming.Direction),
            From = Either(stored.From, incoming.From),
            To = Either(stored.To, incoming.To),
            StartedAt = incoming.Billed ? incoming.StartedAt
                : stored.Billed ? stored.StartedAt
                : Earliest(stored.StartedAt, incoming.StartedAt),
            Billed = stored.Billed || incoming.Billed,
            HandoffData = incoming.HandoffData ?? stored.HandoffData,
            LastError = incoming.LastError ?? stored.LastError,
        };

        if (reopened)
        {
            return (merged with { State = CallState.InProgress, EndedAt = null, EndReason = null }, 0);
        }

        if (stored.State != CallState.Ended)
        {
            return (merged, incoming.State == CallState.Ended ? incoming.Attempt : 0);
        }

        var endedAt = incoming.Billed ? incoming.EndedAt : stored.EndedAt ?? incoming.EndedAt;
        if (incoming.State != CallState.Ended || Rank(stored.EndReason) <= Rank(incoming.EndReason))
        {
            return (merged with { State = CallState.Ended, EndedAt = endedAt, EndReason = stored.EndReason }, storedEndAttempt);
        }

        return (merged with { EndedAt = endedAt }, incoming.Attempt);
    }

    private static int Rank(string? reason)
    {
        for (var i = 0; i < Precedence.Count; i++)
        {
            if (Precedence[i] == reason)
            {
                return i;
            }
        }

        return Precedence.Count;
    }

    private static string Either(string stored, string incoming) => string.IsNullOrEmpty(stored) ? incoming : stored;

    private static DateTimeOffset Earliest(DateTimeOffset stored, DateTimeOffset incoming) =>
        stored == default ? incoming : incoming == default ? stored : stored < incoming ? stored : incoming;
}
