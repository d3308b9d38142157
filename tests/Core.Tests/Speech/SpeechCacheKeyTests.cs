using AgentOS.Voice.Speech;

namespace AgentOS.Voice.Core.Tests.Speech;

public class SpeechCacheKeyTests
{
    [Fact]
    public void Is_a_stable_lowercase_sha256_hex_usable_as_a_blob_name()
    {
        var key = SpeechCacheKey.For("elevenlabs", "UgBBYS2sOqTuMpoF3BR0", "eleven_flash_v2_5", "Your appointment is tomorrow at 9.");
        Assert.Matches("^[0-9a-f]{64}$", key);
        Assert.Equal(key, SpeechCacheKey.For("elevenlabs", "UgBBYS2sOqTuMpoF3BR0", "eleven_flash_v2_5", "Your appointment is tomorrow at 9."));
    }

    [Fact]
    public void Changes_with_every_part()
    {
        var keys = new[]
        {
            SpeechCacheKey.For("elevenlabs", "v", "m", "hello"),
            SpeechCacheKey.For("espeak-ng", "v", "m", "hello"),
            SpeechCacheKey.For("elevenlabs", "w", "m", "hello"),
            SpeechCacheKey.For("elevenlabs", "v", "n", "hello"),
            SpeechCacheKey.For("elevenlabs", "v", null, "hello"),
            SpeechCacheKey.For("elevenlabs", "v", "m", "hello."),
            SpeechCacheKey.For("elevenlabs", "v", "m", "Hello"),
        };
        Assert.Equal(keys.Length, keys.Distinct().Count());
    }

    [Fact]
    public void Moving_characters_between_parts_changes_the_key()
    {
        Assert.NotEqual(SpeechCacheKey.For("p", "a|b", "m", "c"), SpeechCacheKey.For("p", "a", "b|m", "c"));
        Assert.NotEqual(SpeechCacheKey.For("p", "ab", "", "c"), SpeechCacheKey.For("p", "a", "b", "c"));
    }

    [Fact]
    public void Matches_the_key_of_what_was_synthesized()
    {
        var speech = new SynthesizedSpeech([0xFF], "espeak-ng", "en-us", "175wpm");
        Assert.Equal(SpeechCacheKey.For("espeak-ng", "en-us", "175wpm", "hi"), SpeechCacheKey.For(speech, "hi"));
    }
}
