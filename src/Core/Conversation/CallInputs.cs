namespace AgentOS.Voice.Conversation;

/// <summary>
/// What happens on a call, independent of the wire protocol: each protocol's serializer (ConversationRelay now,
/// Media Streams later) translates its messages into these.
/// </summary>
public abstract record CallInput;

/// <summary>The caller finished saying something.</summary>
public sealed record CallerSaid(string Text, string? Language = null) : CallInput;

/// <summary>The caller's words so far, not final (ConversationRelay's partial prompts); used only for preemptive generation.</summary>
public sealed record CallerSpeaking(string Text) : CallInput;

/// <summary>The caller spoke over the agent, who had been heard up to <see cref="HeardText"/>.</summary>
public sealed record CallerInterrupted(string HeardText, double? DurationMs = null) : CallInput;

/// <summary>The caller pressed a key.</summary>
public sealed record KeyPressed(string Key) : CallInput;

/// <summary>The telephony side reported a problem (e.g. it rejected a message we sent); logged on the call.</summary>
public sealed record TransportError(string Description) : CallInput;

/// <summary>The call is over from the transport's side (hang-up, idle timeout, shutdown). <see cref="Reason"/> is a CallEndReasons value.</summary>
public sealed record CallEnded(string Reason) : CallInput;

/// <summary>Who the call is with, as known when the session starts.</summary>
public sealed record CallStart
{
    public required string CallId { get; init; }
    public string CallSid { get; init; } = string.Empty;
    public string Direction { get; init; } = string.Empty;
    public string From { get; init; } = string.Empty;
    public string To { get; init; } = string.Empty;

    /// <summary>
    /// Which ConversationRelay session of the call this is (1 first; Twilio starts another after a failed one): a retried
    /// session's turns are stored beside the earlier session's, not over them.
    /// </summary>
    public int Attempt { get; init; } = 1;

    /// <summary>The W3C traceparent of the webhook that connected the call, so the call's span continues its trace; null when none came.</summary>
    public string? TraceParent { get; init; }

    /// <summary>No stored context (inbound calls): one shared empty map rather than one per call.</summary>
    public static IReadOnlyDictionary<string, string> NoContext { get; } = System.Collections.ObjectModel.ReadOnlyDictionary<string, string>.Empty;

    /// <summary>The outbound call's stored context, filled into the greeting and given to the model.</summary>
    public IReadOnlyDictionary<string, string> Context { get; init; } = NoContext;
}
