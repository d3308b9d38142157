using AgentOS.Voice.Speech;

namespace AgentOS.Voice.Core.Tests.Speech;

public class ResamplerTests
{
    private const int EspeakRate = 22050;

    [Fact]
    public void A_1_kHz_tone_keeps_its_frequency_and_level()
    {
        var input = Signals.Tone(1000, EspeakRate, EspeakRate);
        var output = Resampler.Resample(input, EspeakRate, 8000);

        // Skip the filter's edges; one second leaves plenty of whole cycles.
        var middle = output.AsSpan(200, 7600);
        var crossings = 0;
        for (var i = 1; i < middle.Length; i++)
        {
            if (middle[i - 1] < 0 && middle[i] >= 0)
            {
                crossings++;
            }
        }

        Assert.InRange(crossings * 8000.0 / middle.Length, 995, 1005);
        Assert.InRange(Signals.Goertzel(middle, 1000, 8000), 9900, 10100);
        Assert.True(Signals.Goertzel(middle, 1100, 8000) < 100, "energy leaked away from 1 kHz");
    }

    [Fact]
    public void A_6_kHz_tone_is_removed_instead_of_aliasing_to_2_kHz()
    {
        var input = Signals.Tone(6000, EspeakRate, EspeakRate);
        var output = Resampler.Resample(input, EspeakRate, 8000);
        var middle = output.AsSpan(200, 7600);

        // Without the low-pass it would fold to 8000 − 6000 = 2000 Hz at full level (10000); require at least 60 dB less.
        Assert.True(Signals.Goertzel(middle, 2000, 8000) < 10, $"2 kHz alias at {Signals.Goertzel(middle, 2000, 8000):F1}");
        Assert.True(Signals.Rms(middle) < 10, $"residual RMS {Signals.Rms(middle):F1}");
    }

    [Fact]
    public void Telephone_band_passes_unchanged()
    {
        foreach (var frequency in new[] { 300.0, 3000.0 })
        {
            var output = Resampler.Resample(Signals.Tone(frequency, EspeakRate, EspeakRate), EspeakRate, 8000);
            Assert.InRange(Signals.Goertzel(output.AsSpan(200, 7600), frequency, 8000), 9800, 10200);
        }
    }

    [Theory]
    [InlineData(22050, 8000, 22050, 8000)]
    [InlineData(22050, 8000, 1000, 363)]
    [InlineData(16000, 8000, 1001, 501)]
    [InlineData(8000, 22050, 160, 441)]
    [InlineData(8000, 8000, 77, 77)]
    public void Output_length_follows_the_rate_ratio(int from, int to, int length, int expected)
    {
        Assert.Equal(expected, Resampler.Resample(new short[length], from, to).Length);
    }

    [Fact]
    public void A_constant_signal_stays_constant_away_from_the_edges()
    {
        var input = Enumerable.Repeat((short)12345, 4410).ToArray();
        var output = new Resampler(EspeakRate, 8000).Process(input);
        Assert.All(output[100..^100], s => Assert.InRange(s, 12344, 12346));
    }

    [Fact]
    public void Rejects_nonsense_rates()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Resampler(0, 8000));
        Assert.Throws<ArgumentException>(() => new Resampler(8000, 44101));
    }
}
