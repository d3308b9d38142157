using AgentOS.Voice.Calls;

namespace AgentOS.Voice.Functions.Calls;

/// <summary>The answer to POST /api/agents/{agentId}/calls.</summary>
public sealed record StartedCall(string CallId, string CallSid, string StatusUrl);

/// <summary>A call record with its transcript, as GET /api/agents/{agentId}/calls/{callId} returns it.</summary>
public sealed record LiveCallView(
    string CallId, string AgentId, string CallSid, string Direction, string From, string To, CallState State,
    DateTimeOffset StartedAt, DateTimeOffset? EndedAt, double DurationSeconds, string? EndReason, string? HandoffData, string? LastError,
    long TokensIn, long TokensOut, long CharactersSpoken, IReadOnlyList<LiveCallTurn> Transcript)
{
    public static LiveCallView Of(CallRecord c, IReadOnlyList<TranscriptTurn> turns) => new(
        c.CallId, c.AgentId, c.CallSid, c.Direction, c.From, c.To, c.State, c.StartedAt, c.EndedAt, c.Duration.TotalSeconds,
        c.EndReason, c.HandoffData, c.LastError, c.TokensIn, c.TokensOut, c.CharactersSpoken,
        turns.Select(t => new LiveCallTurn(t.Index, t.Role, t.Text, t.Interrupted, t.At, t.ToolName, t.FirstTokenMs)).ToList());
}

/// <summary>A call in a list: the record without its transcript (GET the call for that).</summary>
public sealed record LiveCallSummary(
    string CallId, string AgentId, string CallSid, string Direction, string From, string To, CallState State,
    DateTimeOffset StartedAt, DateTimeOffset? EndedAt, double DurationSeconds, string? EndReason, string? LastError)
{
    public static LiveCallSummary Of(CallRecord c) => new(
        c.CallId, c.AgentId, c.CallSid, c.Direction, c.From, c.To, c.State, c.StartedAt, c.EndedAt, c.Duration.TotalSeconds, c.EndReason, c.LastError);
}

/// <summary>The answer to GET /api/agents/{agentId}/calls: newest first; null token on the last page.</summary>
public sealed record CallList(IReadOnlyList<LiveCallSummary> Items, string? ContinuationToken);

/// <summary>A transcript turn; <c>FirstTokenMs</c> on agent turns is from the caller's words arriving to the first token leaving.</summary>
public sealed record LiveCallTurn(int Index, TurnRole Role, string Text, bool Interrupted, DateTimeOffset At, string? ToolName, double? FirstTokenMs);
