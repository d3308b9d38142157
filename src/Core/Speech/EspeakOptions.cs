using System.ComponentModel.DataAnnotations;

namespace AgentOS.Voice.Speech;

/// <summary>The offline synthesizer, used when no ElevenLabs key is configured. Bound from "Speech:Espeak".</summary>
public sealed class EspeakOptions
{
    public const string SectionName = "Speech:Espeak";

    /// <summary>The espeak-ng binary: a name looked up on PATH, or a full path.</summary>
    [Required(ErrorMessage = "Speech:Espeak:ExecutablePath is required.")]
    public string ExecutablePath { get; set; } = "espeak-ng";

    /// <summary>espeak-ng's own range is 80 to 450; its default is 175.</summary>
    [Range(80, 450)]
    public int WordsPerMinute { get; set; } = 175;
}
