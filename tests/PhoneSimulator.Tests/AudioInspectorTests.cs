using AgentOS.Voice.Simulator.Audio;
using AgentOS.Voice.Simulator.Tests.Support;

namespace AgentOS.Voice.Simulator.Tests;

public sealed class AudioInspectorTests
{
    [Fact]
    public void Sox_mulaw_wav_with_a_fact_chunk_is_playable()
    {
        var check = AudioInspector.Inspect(SoxTone.MuLawWav.Value);
        Assert.True(check.Playable, check.Error);
        Assert.Equal(("wav/mulaw", 8000, 1), (check.Format, check.SampleRate, check.Channels));
        Assert.Equal(1.0, check.Duration.TotalSeconds, 2);
    }

    [Fact]
    public void Sox_pcm16_wav_is_playable()
    {
        var check = AudioInspector.Inspect(SoxTone.Pcm16Wav.Value);
        Assert.True(check.Playable, check.Error);
        Assert.Equal("wav/pcm16", check.Format);
        Assert.Equal(1.0, check.Duration.TotalSeconds, 2);
    }

    [Fact]
    public void Mp3_frames_after_an_id3_tag_are_walked_for_the_duration()
    {
        // MPEG-1 Layer III, 128 kbit/s, 44.1 kHz, no padding: 417-byte frames of 1152 samples.
        byte[] header = [0xFF, 0xFB, 0x90, 0xC4];
        var frames = Enumerable.Range(0, 100).SelectMany(_ => header.Concat(new byte[413])).ToArray();
        byte[] id3 = [.. "ID3"u8, 4, 0, 0, 0, 0, 0, 20, .. new byte[20]];

        var check = AudioInspector.Inspect([.. id3, .. frames]);

        Assert.True(check.Playable, check.Error);
        Assert.Equal(("mp3", 44100, 1), (check.Format, check.SampleRate, check.Channels));
        Assert.Equal(100 * 1152 / 44100.0, check.Duration.TotalSeconds, 3);
    }

    [Fact]
    public void A_wav_with_an_unsupported_encoding_is_not_playable()
    {
        var wav = SoxTone.Pcm16Wav.Value.ToArray();
        var fmt = wav.AsSpan().IndexOf("fmt "u8);
        wav[fmt + 8] = 3; // IEEE float

        var check = AudioInspector.Inspect(wav);

        Assert.False(check.Playable);
        Assert.Contains("format 3", check.Error);
    }

    [Fact]
    public void Text_is_not_playable() =>
        Assert.False(AudioInspector.Inspect("<html>oops</html>"u8).Playable);
}
