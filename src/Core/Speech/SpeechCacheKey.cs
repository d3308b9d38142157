using System.Security.Cryptography;
using System.Text;

namespace AgentOS.Voice.Speech;

/// <summary>
/// Content address of rendered audio, so the same words in the same voice are synthesized once. The parts are
/// length-prefixed before hashing so that no two different (provider, voice, model, text) tuples share a key
/// (plain joining would let "a|b" + "c" collide with "a" + "b|c").
/// </summary>
public static class SpeechCacheKey
{
    /// <returns>64 lowercase hex characters (SHA-256), valid as a blob name.</returns>
    public static string For(string provider, string voice, string? model, string text)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(voice);
        ArgumentNullException.ThrowIfNull(text);

        var builder = new StringBuilder("agentos-speech-v1");
        foreach (var part in new[] { provider, voice, model ?? string.Empty, text })
        {
            builder.Append('\n').Append(part.Length).Append(':').Append(part);
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(builder.ToString())));
    }

    /// <summary>The key of audio already rendered, from what actually produced it.</summary>
    public static string For(SynthesizedSpeech speech, string text)
    {
        ArgumentNullException.ThrowIfNull(speech);
        return For(speech.Provider, speech.Voice, speech.Model, text);
    }
}
