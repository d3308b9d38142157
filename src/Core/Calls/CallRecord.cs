namespace AgentOS.Voice.Calls;

/// <summary>One live call as stored: who, when, how it ended, and the inputs its cost is computed from.</summary>
public sealed record CallRecord
{
    /// <summary>Our id for the call; for outbound calls the one the context was stored under, else the Twilio call sid.</summary>
    public required string CallId { get; init; }
    public required string AgentId { get; init; }
    public string CallSid { get; init; } = string.Empty;

    /// <summary>"inbound" or "outbound".</summary>
    public string Direction { get; init; } = string.Empty;
    public string From { get; init; } = string.Empty;
    public string To { get; init; } = string.Empty;
    public CallState State { get; init; } = CallState.InProgress;
    public DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>One of <see cref="CallEndReasons"/>.</summary>
    public string? EndReason { get; init; }

    /// <summary>The JSON string sent to Twilio with <c>end</c> when the call was handed to a human.</summary>
    public string? HandoffData { get; init; }

    /// <summary>The last error Twilio reported on the socket or the model raised, for support.</summary>
    public string? LastError { get; init; }

    /// <summary>
    /// <see cref="StartedAt"/> and <see cref="EndedAt"/> are the ones Twilio bills (its status callback's
    /// CallDuration): no other write moves them afterwards.
    /// </summary>
    public bool Billed { get; init; }

    /// <summary>
    /// Which relay session (from 1; Twilio reconnects a failed socket as the next) wrote this, its counters being that
    /// session's own; 0 for every other write (webhooks, the API), which never changes counters. Records read back
    /// carry 0 and the counters of all sessions summed. See <see cref="CallRecordMerge"/>.
    /// </summary>
    public int Attempt { get; init; }

    public TimeSpan Duration => (EndedAt ?? StartedAt) - StartedAt;
    public long TokensIn { get; init; }
    public long TokensOut { get; init; }
    public long CharactersSpoken { get; init; }
}

public enum CallState
{
    InProgress,
    Ended,
}

public static class CallEndReasons
{
    public const string CallerHungUp = "caller-hung-up";
    public const string AgentEnded = "agent-ended";
    public const string HandedOff = "handed-off";
    public const string IdleTimeout = "idle-timeout";
    public const string ServerShutdown = "server-shutdown";
    public const string Error = "error";
}

/// <summary>One turn of a call's transcript. Agent turns that were cut off hold only what the caller heard.</summary>
public sealed record TranscriptTurn
{
    public required string CallId { get; init; }

    /// <summary>0 is the greeting; an interrupted turn is rewritten under the same index.</summary>
    public required int Index { get; init; }

    /// <summary>The call's ConversationRelay session the turn was said in; each session counts its turns from 0.</summary>
    public int Attempt { get; init; } = 1;
    public required TurnRole Role { get; init; }
    public required string Text { get; init; }
    public bool Interrupted { get; init; }
    public DateTimeOffset At { get; init; }

    /// <summary>Agent turns: from the caller's prompt arriving to our first token leaving, in milliseconds.</summary>
    public double? FirstTokenMs { get; init; }

    /// <summary>Agent turns: text tokens sent.</summary>
    public int TokenCount { get; init; }

    /// <summary>Tool turns: which tool ran (its arguments and result are in <see cref="Text"/>).</summary>
    public string? ToolName { get; init; }

    /// <summary>Agent (HTTP) tool turns: how long the endpoint took, in milliseconds.</summary>
    public double? ToolMs { get; init; }

    /// <summary>Agent (HTTP) tool turns: it timed out, failed or answered something that is not JSON.</summary>
    public bool ToolFailed { get; init; }
}

public enum TurnRole
{
    Caller,
    Agent,
    Tool,
}
