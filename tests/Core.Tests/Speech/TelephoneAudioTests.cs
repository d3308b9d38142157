using AgentOS.Voice.Speech;

namespace AgentOS.Voice.Core.Tests.Speech;

public class TelephoneAudioTests
{
    [Fact]
    public void Mu_law_8_khz_mono_passes_through_untouched()
    {
        var muLaw = MuLaw.Encode(Signals.Tone(500, 8000, 800));
        Assert.Equal(muLaw, TelephoneAudio.ToMuLaw8kMono(new WavFile(WavEncoding.MuLaw, 8000, 1, muLaw)));
    }

    [Fact]
    public void Stereo_pcm_at_another_rate_becomes_one_8_khz_channel()
    {
        // Left carries 1 kHz, right is silent: the mono mix keeps the tone at half level.
        var left = Signals.Tone(1000, 16000, 16000);
        var stereo = new short[2 * left.Length];
        for (var i = 0; i < left.Length; i++)
        {
            stereo[2 * i] = left[i];
        }

        var wav = WavFile.Read(WavFile.WritePcm16(stereo, 16000, channels: 2));
        var telephone = TelephoneAudio.ToMuLaw8kMono(wav);

        Assert.Equal(8000, telephone.Length);
        var decoded = MuLaw.Decode(telephone).AsSpan(200, 7600);
        Assert.InRange(Signals.Goertzel(decoded, 1000, 8000), 4800, 5200);
    }
}
