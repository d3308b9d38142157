namespace AgentOS.Voice.Twilio.Twiml;

/// <summary>A <c>&lt;Parameter name= value=&gt;</c> child; Twilio hands these to the socket as custom parameters.</summary>
public sealed record TwimlParameter(string Name, string Value);

/// <summary>Attributes of <c>&lt;Say&gt;</c>. Unset values are left to Twilio's defaults.</summary>
public sealed record SayOptions
{
    public string? Voice { get; init; }
    public string? Language { get; init; }
    public int? Loop { get; init; }
}

/// <summary>Attributes of <c>&lt;Play&gt;</c>; <see cref="Loop"/> 0 means until hang-up.</summary>
public sealed record PlayOptions
{
    public int? Loop { get; init; }

    /// <summary>DTMF tones to play (0-9, *, #, w for a half-second pause).</summary>
    public string? Digits { get; init; }
}

public enum RecordTrim
{
    TrimSilence,
    DoNotTrim,
}

/// <summary>Attributes of <c>&lt;Record&gt;</c>.</summary>
public sealed record RecordOptions
{
    public string? Action { get; init; }
    public HttpMethod? Method { get; init; }

    /// <summary>Seconds of silence that end the recording.</summary>
    public int? Timeout { get; init; }

    public string? FinishOnKey { get; init; }

    /// <summary>Longest recording in seconds.</summary>
    public int? MaxLength { get; init; }

    public bool? PlayBeep { get; init; }
    public RecordTrim? Trim { get; init; }
    public string? RecordingStatusCallback { get; init; }
    public HttpMethod? RecordingStatusCallbackMethod { get; init; }

    /// <summary>Events reported to the recording status callback: in-progress, completed, absent.</summary>
    public IReadOnlyList<string>? RecordingStatusCallbackEvent { get; init; }

    public bool? Transcribe { get; init; }
    public string? TranscribeCallback { get; init; }
}

/// <summary>Attributes of <c>&lt;Dial&gt;</c>.</summary>
public sealed record DialOptions
{
    public string? CallerId { get; init; }

    /// <summary>Seconds to ring the dialled party.</summary>
    public int? Timeout { get; init; }

    public string? Action { get; init; }
    public HttpMethod? Method { get; init; }
    public bool? AnswerOnBridge { get; init; }

    /// <summary>Longest bridged call in seconds.</summary>
    public int? TimeLimit { get; init; }

    /// <summary>do-not-record, record-from-answer, record-from-ringing, record-from-answer-dual, record-from-ringing-dual.</summary>
    public string? Record { get; init; }
}

/// <summary>Attributes of <c>&lt;Connect&gt;</c>: the URL Twilio requests when the connected session ends.</summary>
public sealed record ConnectOptions
{
    public string? Action { get; init; }
    public HttpMethod? Method { get; init; }
}

/// <summary><c>&lt;Connect&gt;&lt;Stream&gt;</c>: a bidirectional Media Stream.</summary>
public sealed record StreamOptions(string Url)
{
    public string? Name { get; init; }
    public string? StatusCallback { get; init; }
    public HttpMethod? StatusCallbackMethod { get; init; }
    public IReadOnlyList<TwimlParameter> Parameters { get; init; } = [];
}
