namespace AgentOS.Voice.Conversation;

/// <summary>
/// What happens on a call, independent of the wire protocol: each protocol's serializer (ConversationRelay now,
/// Media Streams later) translates its messages into these.
/// </summary>
public abstract record CallInput;

/// <summary>The caller finished saying something.</summary>
public sealed record CallerSaid(string Text, string? Language = null) : CallInput;

/// <summary>The caller spoke over the agent, who had been heard up to <see cref="HeardText"/>.</summary>
public sealed record CallerInterrupted(string HeardText, double? DurationMs = null) : CallInput;

/// <summary>The caller pressed a key.</summary>
public sealed record KeyPressed(string Key) : CallInput;

/// <summary>The telephony side reported a problem (e.g. it rejected a message we sent); logged on the call.</summary>
public sealed record TransportError(string Description) : CallInput;

/// <summary>The call is over from the transport's side (hang-up, idle timeout, shutdown). <see cref="Reason"/> is a CallEndReasons value.</summary>
public sealed record CallEnded(string Reason) : CallInput;

/// <summary>
/// What the call core sends to the caller. Implementations serialize into their wire protocol and must not be called
/// concurrently (the session serializes its own calls). Cancellation tokens passed here end the call, not a turn:
/// a cancelled send may break the connection.
/// </summary>
public interface ICallOutput
{
    /// <summary>A piece of the answer to speak; <paramref name="last"/> ends the answer.</summary>
    ValueTask SayAsync(string text, bool last, CancellationToken cancellationToken);

    ValueTask PlayAsync(Uri source, CancellationToken cancellationToken);

    ValueTask SendDigitsAsync(string digits, CancellationToken cancellationToken);

    ValueTask SwitchLanguageAsync(string? speechLanguage, string? transcriptionLanguage, CancellationToken cancellationToken);

    /// <summary>Ends the call's session; <paramref name="handoffData"/> (a JSON string) asks for a transfer to a human.</summary>
    ValueTask EndAsync(string? handoffData, CancellationToken cancellationToken);
}

/// <summary>Who the call is with, as known when the session starts.</summary>
public sealed record CallStart
{
    public required string CallId { get; init; }
    public string CallSid { get; init; } = string.Empty;
    public string Direction { get; init; } = string.Empty;
    public string From { get; init; } = string.Empty;
    public string To { get; init; } = string.Empty;

    /// <summary>The outbound call's stored context, filled into the greeting and given to the model.</summary>
    public IReadOnlyDictionary<string, string> Context { get; init; } = new Dictionary<string, string>();
}
