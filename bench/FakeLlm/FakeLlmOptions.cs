using System.ComponentModel.DataAnnotations;

namespace AgentOS.Voice.Bench.FakeLlm;

/// <summary>How the fake model answers: every answer has the same shape so runs compare.</summary>
public sealed class FakeLlmOptions
{
    public const string SectionName = "FakeLlm";

    /// <summary>Request received → first content chunk written.</summary>
    [Range(0, 60_000)]
    public int TtftMs { get; set; } = 200;

    [Range(0.1, 10_000)]
    public double TokensPerSecond { get; set; } = 30;

    [Range(1, 10_000)]
    public int Tokens { get; set; } = 30;
}
