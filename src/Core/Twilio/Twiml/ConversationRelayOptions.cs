namespace AgentOS.Voice.Twilio.Twiml;

/// <summary>Which caller input may interrupt speech (ConversationRelay's none/dtmf/speech/any).</summary>
public enum RelayInputKind
{
    None,
    Dtmf,
    Speech,
    Any,
}

public enum RelayInterruptSensitivity
{
    Low,
    Medium,
    High,
}

public enum RelayTextNormalization
{
    On,
    Auto,
    Off,
}

/// <summary>
/// Every <c>&lt;ConversationRelay&gt;</c> attribute Twilio documents. Only what is set is written, so Twilio's own
/// defaults apply otherwise (several of them have changed over time; set the ones that matter explicitly).
/// </summary>
public sealed record ConversationRelayOptions(string Url)
{
    /// <summary>Spoken after answer once the socket is up; user-supplied text is safe here (XML-escaped).</summary>
    public string? WelcomeGreeting { get; init; }

    public RelayInputKind? WelcomeGreetingInterruptible { get; init; }

    /// <summary>BCP-47 tag for both speech synthesis and recognition.</summary>
    public string? Language { get; init; }

    /// <summary>BCP-47 tag or "multi"; overrides <see cref="Language"/> for speech synthesis.</summary>
    public string? TtsLanguage { get; init; }

    /// <summary>BCP-47 tag or "multi"; overrides <see cref="Language"/> for recognition.</summary>
    public string? TranscriptionLanguage { get; init; }

    /// <summary>Google, Amazon or ElevenLabs.</summary>
    public string? TtsProvider { get; init; }

    /// <summary>Provider-specific voice; for ElevenLabs the voice id.</summary>
    public string? Voice { get; init; }

    /// <summary>Google or Deepgram.</summary>
    public string? TranscriptionProvider { get; init; }

    /// <summary>Provider-specific model, e.g. telephony (Google), nova-3-general or flux (Deepgram).</summary>
    public string? SpeechModel { get; init; }

    public bool? DeepgramSmartFormat { get; init; }
    public RelayInputKind? Interruptible { get; init; }
    public RelayInterruptSensitivity? InterruptSensitivity { get; init; }
    public bool? DtmfDetection { get; init; }
    public RelayInputKind? ReportInputDuringAgentSpeech { get; init; }
    public bool? Preemptible { get; init; }

    /// <summary>Phrases that bias recognition; written comma-separated.</summary>
    public IReadOnlyList<string>? Hints { get; init; }

    /// <summary>debugging, speaker-events, tokens-played; written space-separated.</summary>
    public IReadOnlyList<string>? Debug { get; init; }

    public RelayTextNormalization? ElevenlabsTextNormalization { get; init; }

    /// <summary>Conversational Intelligence service SID or unique name.</summary>
    public string? IntelligenceService { get; init; }

    public bool? PartialPrompts { get; init; }
    public bool? ProfanityFilter { get; init; }

    /// <summary>End-of-speech silence in milliseconds (600–5000); unset means Twilio's "auto".</summary>
    public int? SpeechTimeoutMs { get; init; }

    public bool? IgnoreBackchannel { get; init; }

    /// <summary>End-of-turn confidence 0.5–0.9 (Deepgram flux only).</summary>
    public double? EotThreshold { get; init; }

    /// <summary>Written as given: Twilio has not documented its values.</summary>
    public string? BackgroundNoiseReduction { get; init; }

    /// <summary>speaker-events, tokens-played; written space-separated.</summary>
    public IReadOnlyList<string>? Events { get; init; }

    /// <summary>Conversation Orchestrator configuration id.</summary>
    public string? ConversationConfiguration { get; init; }

    public IReadOnlyList<TwimlParameter> Parameters { get; init; } = [];
    public IReadOnlyList<RelayLanguage> Languages { get; init; } = [];
}

/// <summary>A <c>&lt;Language&gt;</c> child: maps a language code to providers; it does not switch to it.</summary>
public sealed record RelayLanguage(string Code)
{
    public string? TtsProvider { get; init; }
    public string? Voice { get; init; }
    public string? TranscriptionProvider { get; init; }
    public string? SpeechModel { get; init; }
}
