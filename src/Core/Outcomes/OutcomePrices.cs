using System.ComponentModel.DataAnnotations;
using AgentOS.Voice.Calls;

namespace AgentOS.Voice.Outcomes;

/// <summary>
/// "Outcomes:Prices": list prices the cost estimate uses. The defaults are public US list prices as noted in
/// <see cref="AsOf"/> (see docs/outcomes.md for where each comes from); set your contract's prices in configuration.
/// </summary>
public sealed class OutcomePrices
{
    public const string SectionName = "Outcomes:Prices";

    [Required]
    public string Currency { get; set; } = "USD";

    /// <summary>When the default prices were read, shown with every estimate.</summary>
    [Required]
    public string AsOf { get; set; } = "2025-06 (Twilio US voice and ConversationRelay, ElevenLabs API, OpenAI gpt-4o-mini list prices)";

    /// <summary>Twilio Programmable Voice, outbound to a US number, per started minute.</summary>
    [Range(0, 10)]
    public decimal OutboundMinute { get; set; } = 0.014m;

    /// <summary>Twilio Programmable Voice, inbound to a US local number, per started minute.</summary>
    [Range(0, 10)]
    public decimal InboundMinute { get; set; } = 0.0085m;

    /// <summary>ConversationRelay, per started minute on top of voice minutes (includes its speech-to-text and text-to-speech).</summary>
    [Range(0, 10)]
    public decimal ConversationRelayMinute { get; set; } = 0.07m;

    /// <summary>ElevenLabs text-to-speech for voice messages, per 1,000 characters.</summary>
    [Range(0, 10)]
    public decimal TtsPerThousandCharacters { get; set; } = 0.30m;

    [Range(0, 1000)]
    public decimal LlmInputPerMillionTokens { get; set; } = 0.15m;

    [Range(0, 1000)]
    public decimal LlmOutputPerMillionTokens { get; set; } = 0.60m;

    public CostEstimate ForCall(CallRecord call)
    {
        var minutes = StartedMinutes(call.Duration.TotalSeconds);
        var telephone = minutes * (call.Direction == "outbound" ? OutboundMinute : InboundMinute);
        var relay = minutes * ConversationRelayMinute;
        var input = call.TokensIn * LlmInputPerMillionTokens / 1_000_000m;
        var output = call.TokensOut * LlmOutputPerMillionTokens / 1_000_000m;
        // ConversationRelay's per-minute price includes its speech: the characters are shown, not charged again.
        return Estimate(new CostBreakdown(telephone, relay, 0, input, output), new CostUsage(minutes, minutes, call.CharactersSpoken, call.TokensIn, call.TokensOut));
    }

    public CostEstimate ForMessage(double durationSeconds, long characters)
    {
        var minutes = StartedMinutes(durationSeconds);
        var tts = characters * TtsPerThousandCharacters / 1000m;
        return Estimate(new CostBreakdown(minutes * OutboundMinute, 0, tts, 0, 0), new CostUsage(minutes, 0, characters, 0, 0));
    }

    private CostEstimate Estimate(CostBreakdown b, CostUsage usage)
    {
        b = new CostBreakdown(Round(b.Telephone), Round(b.ConversationRelay), Round(b.Tts), Round(b.LlmInput), Round(b.LlmOutput));
        return new CostEstimate(Currency, b.Telephone + b.ConversationRelay + b.Tts + b.LlmInput + b.LlmOutput, b, usage, AsOf);
    }

    // Twilio bills each started minute.
    private static int StartedMinutes(double seconds) => seconds <= 0 ? 0 : (int)Math.Ceiling(seconds / 60);

    private static decimal Round(decimal value) => Math.Round(value, 6, MidpointRounding.AwayFromZero);
}
