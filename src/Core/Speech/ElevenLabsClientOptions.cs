using System.ComponentModel.DataAnnotations;

namespace AgentOS.Voice.Speech;

/// <summary>ElevenLabs text-to-speech. Bound from "Speech:ElevenLabs"; setting ApiKey makes ElevenLabs the synthesizer.</summary>
public sealed class ElevenLabsClientOptions
{
    public const string SectionName = "Speech:ElevenLabs";

    [Required(ErrorMessage = "Speech:ElevenLabs:ApiKey is required.")]
    public string ApiKey { get; set; } = string.Empty;

    [Required, Url]
    public string BaseUrl { get; set; } = "https://api.elevenlabs.io";

    /// <summary>Flash v2.5: the lowest-latency multilingual model, and what ConversationRelay uses.</summary>
    [Required]
    public string ModelId { get; set; } = "eleven_flash_v2_5";

    /// <summary>Fixed to ulaw_8000: every synthesizer here returns mu-law 8 kHz, which Twilio plays without transcoding.</summary>
    [Required, RegularExpression("^ulaw_8000$", ErrorMessage = "Speech:ElevenLabs:OutputFormat must be ulaw_8000 (telephone audio).")]
    public string OutputFormat { get; set; } = "ulaw_8000";

    [Range(0.0, 1.0)]
    public double Stability { get; set; } = 0.5;

    [Range(0.0, 1.0)]
    public double SimilarityBoost { get; set; } = 0.75;

    /// <summary>ElevenLabs accepts 0.7 to 1.2.</summary>
    [Range(0.7, 1.2)]
    public double Speed { get; set; } = 1.0;

    /// <summary>
    /// Send language_code (ISO 639-1 from the request's language) to the models that enforce it (Flash and Turbo v2.5).
    /// Other models either reject or ignore it depending on the API version, so it is never sent to them.
    /// </summary>
    public bool SendLanguageCode { get; set; } = true;
}
