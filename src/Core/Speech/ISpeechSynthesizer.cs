namespace AgentOS.Voice.Speech;

/// <summary>Text to telephone audio. Every implementation returns raw mu-law, 8 kHz, mono: what Twilio plays and streams.</summary>
public interface ISpeechSynthesizer
{
    /// <summary>Stable provider name ("elevenlabs", "espeak-ng"): part of the audio cache key and of cost records.</summary>
    string ProviderName { get; }

    /// <exception cref="SpeechSynthesisException">The provider refused or failed.</exception>
    Task<SynthesizedSpeech> SynthesizeAsync(SpeechRequest request, CancellationToken cancellationToken = default);
}

/// <summary>What to say and how.</summary>
/// <param name="Text">The words to speak.</param>
/// <param name="Voice">Provider voice: an ElevenLabs voice id, or an espeak-ng voice name (else espeak-ng picks one from <paramref name="Language"/>).</param>
/// <param name="Language">BCP-47 language, e.g. en-US.</param>
/// <param name="Model">Provider model; null takes the provider's configured default.</param>
public sealed record SpeechRequest(string Text, string Voice, string Language, string? Model = null)
{
    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(Text))
        {
            throw new ArgumentException("There is no text to synthesize.", nameof(Text));
        }
    }
}

/// <summary>Synthesized audio as raw mu-law, 8 kHz, mono bytes (no header), with what produced it.</summary>
public sealed record SynthesizedSpeech(byte[] MuLawAudio, string Provider, string Voice, string Model)
{
    public const int SampleRate = 8000;

    /// <summary>One byte per sample at 8 kHz.</summary>
    public TimeSpan Duration => TimeSpan.FromSeconds((double)MuLawAudio.Length / SampleRate);

    /// <summary>The audio as a mu-law WAV file, the form stored in Blob Storage and served to Twilio's &lt;Play&gt;.</summary>
    public byte[] ToWav() => WavFile.WriteMuLaw(MuLawAudio);
}

/// <summary>A provider failed to synthesize speech. <see cref="ElevenLabsException"/> adds the HTTP details.</summary>
public class SpeechSynthesisException : Exception
{
    public SpeechSynthesisException(string provider, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Provider = provider;
    }

    public string Provider { get; }
}
