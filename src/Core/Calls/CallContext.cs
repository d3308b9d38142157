namespace AgentOS.Voice.Calls;

/// <summary>
/// What an outbound call is about, stored before the call is placed so that only <see cref="CallId"/> travels in
/// URLs and TwiML &lt;Parameter&gt;s. The relay session reads it back on <c>setup</c>.
/// </summary>
public sealed record CallContext
{
    public required string CallId { get; init; }
    public required string AgentId { get; init; }
    public required string To { get; init; }
    public required string From { get; init; }

    /// <summary>Values for the greeting's {placeholders} and the model's context (e.g. name, appointment).</summary>
    public IReadOnlyDictionary<string, string> Context { get; init; } = new Dictionary<string, string>();
    public DateTimeOffset CreatedAt { get; init; }
}

public interface ICallContextStore
{
    Task SaveAsync(CallContext context, CancellationToken cancellationToken = default);

    /// <summary>Null when no context was stored under <paramref name="callId"/>.</summary>
    Task<CallContext?> GetAsync(string callId, CancellationToken cancellationToken = default);
}

/// <summary>Call records and transcripts.</summary>
public interface ICallStore
{
    Task UpsertCallAsync(CallRecord call, CancellationToken cancellationToken = default);

    /// <summary>Stores the record only if the call has none yet; false when one was already there.</summary>
    Task<bool> AddCallAsync(CallRecord call, CancellationToken cancellationToken = default);

    Task UpsertTurnAsync(TranscriptTurn turn, CancellationToken cancellationToken = default);

    Task<CallRecord?> GetCallAsync(string callId, CancellationToken cancellationToken = default);

    /// <summary>The call's transcript in turn order.</summary>
    Task<IReadOnlyList<TranscriptTurn>> GetTranscriptAsync(string callId, CancellationToken cancellationToken = default);
}

/// <summary>An agent's calls, newest first by their start.</summary>
public interface ICallHistory
{
    /// <summary>
    /// A page of the agent's calls started in the query's range, in <paramref name="state"/> when given. A page may hold
    /// fewer than the limit even when more follow; the continuation token is what says whether they do.
    /// </summary>
    Task<Storage.ListPage<CallRecord>> ListCallsAsync(string agentId, Storage.ListQuery query, CallState? state, CancellationToken cancellationToken = default);
}
