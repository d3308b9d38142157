namespace AgentOS.Voice.Speech;

/// <summary>Turns any supported WAV into what telephony carries: mu-law, 8 kHz, mono.</summary>
public static class TelephoneAudio
{
    public const int SampleRate = 8000;

    /// <summary>Decodes, mixes channels down to mono, resamples to 8 kHz and mu-law encodes.</summary>
    public static byte[] ToMuLaw8kMono(WavFile wav)
    {
        ArgumentNullException.ThrowIfNull(wav);
        if (wav is { Encoding: WavEncoding.MuLaw, SampleRate: SampleRate, Channels: 1 })
        {
            return wav.Data.ToArray();
        }

        var mono = DownmixToMono(wav.ToPcm16(), wav.Channels);
        var resampled = wav.SampleRate == SampleRate ? mono : Resampler.Resample(mono, wav.SampleRate, SampleRate);
        return MuLaw.Encode(resampled);
    }

    private static short[] DownmixToMono(short[] interleaved, int channels)
    {
        if (channels == 1)
        {
            return interleaved;
        }

        var mono = new short[interleaved.Length / channels];
        for (var frame = 0; frame < mono.Length; frame++)
        {
            var sum = 0;
            for (var c = 0; c < channels; c++)
            {
                sum += interleaved[frame * channels + c];
            }

            mono[frame] = (short)(sum / channels);
        }

        return mono;
    }
}
