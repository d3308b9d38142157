using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentOS.Voice.Outcomes;

/// <summary>
/// What happened on one live call or voice message, made once when it ended and delivered to the <c>call-outcomes</c>
/// queue and the agent's outcome webhook. The wire format is documented in docs/outcomes.md.
/// </summary>
public sealed record CallOutcome
{
    public const string CallKind = "call";
    public const string MessageKind = "message";

    /// <summary>"call.outcome" or "message.outcome".</summary>
    public required string Type { get; init; }

    /// <summary>The call id or message id; one outcome per id.</summary>
    public required string Id { get; init; }

    /// <summary>Stable across every delivery of this outcome: receivers dedupe by it.</summary>
    public required string WebhookId { get; init; }

    public required string AgentId { get; init; }

    /// <summary>Calls: "completed" or "handed-off"; messages: the final message state (completed, no-answer, busy, failed, canceled).</summary>
    public required string Status { get; init; }

    /// <summary>Calls: a CallEndReasons value; messages: the error code when it failed.</summary>
    public string? EndReason { get; init; }

    public string Direction { get; init; } = string.Empty;
    public string From { get; init; } = string.Empty;
    public string To { get; init; } = string.Empty;
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset EndedAt { get; init; }
    public double DurationSeconds { get; init; }

    /// <summary>Twilio's answering-machine verdict for messages (human, machine_end_beep, …); null when none was given.</summary>
    public string? AnsweredBy { get; init; }

    /// <summary>The hand-off data sent to Twilio when the call was handed to a person.</summary>
    public JsonElement? Handoff { get; init; }

    /// <summary>Live calls: every turn as the caller heard it. Messages: the text spoken.</summary>
    public IReadOnlyList<OutcomeTurn> Transcript { get; init; } = [];

    /// <summary>Set when the queue copy left the transcript out to stay under the queue's message size.</summary>
    public bool TranscriptOmitted { get; init; }

    public int Interruptions { get; init; }
    public Percentiles? FirstTokenMs { get; init; }

    /// <summary>Each answered turn's first-token time, in turn order, for analytics across calls.</summary>
    public IReadOnlyList<double>? FirstTokenSamples { get; init; }
    public ToolCallStats Tools { get; init; } = new(0, 0, null);
    public OutcomeRecording? Recording { get; init; }

    public string Summary { get; init; } = string.Empty;

    /// <summary>The agent's outcome schema filled from the transcript; null when the agent has none.</summary>
    public JsonElement? Fields { get; init; }

    public required CostEstimate Cost { get; init; }
    public DateTimeOffset MadeAt { get; init; }
}

public sealed record OutcomeTurn(int Index, string Role, string Text, bool Interrupted = false, string? Tool = null, double? ToolMs = null, bool ToolFailed = false);

/// <summary>Nearest-rank percentiles over <see cref="Count"/> samples.</summary>
public sealed record Percentiles(double P50, double P95, int Count)
{
    public static Percentiles? Of(IEnumerable<double> samples)
    {
        var sorted = samples.Order().ToArray();
        return sorted.Length == 0 ? null : new Percentiles(Rank(sorted, 0.50), Rank(sorted, 0.95), sorted.Length);
    }

    private static double Rank(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}

public sealed record ToolCallStats(int Calls, int Failures, Percentiles? LatencyMs);

/// <summary>
/// The recorded answer of a message. <see cref="Stored"/>: copied into our private storage; then each delivery carries
/// a read-only <see cref="Url"/> that expires at <see cref="UrlExpiresAt"/> (the stored outcome has neither).
/// </summary>
public sealed record OutcomeRecording(string Sid, int? DurationSeconds, bool Stored = false, string? Url = null, DateTimeOffset? UrlExpiresAt = null);

/// <summary>An estimate from list prices (<see cref="OutcomePrices"/>), in <see cref="Currency"/>; not a bill.</summary>
public sealed record CostEstimate(string Currency, decimal Total, CostBreakdown Breakdown, CostUsage Usage, string PricesAsOf);

public sealed record CostBreakdown(decimal Telephone, decimal ConversationRelay, decimal Tts, decimal LlmInput, decimal LlmOutput);

public sealed record CostUsage(int TelephoneMinutes, int ConversationRelayMinutes, long TtsCharacters, long LlmInputTokens, long LlmOutputTokens);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CallOutcome))]
[JsonSerializable(typeof(OutcomeRequest))]
[JsonSerializable(typeof(OutcomeDeliveryRequest))]
[JsonSerializable(typeof(List<double>))]
[JsonSerializable(typeof(string))]
internal sealed partial class OutcomeJson : JsonSerializerContext;
