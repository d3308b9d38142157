using System.Buffers.Binary;
using AgentOS.Voice.Speech;

namespace AgentOS.Voice.Core.Tests.Speech;

public sealed class MuLawTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static short[] TestSignal()
    {
        var samples = new List<short>();
        for (var v = short.MinValue; ; v++)
        {
            samples.Add(v);
            if (v == short.MaxValue)
            {
                break;
            }
        }

        // A full-scale linear sweep 50 Hz → 3.5 kHz over 2 s and seeded white noise, so ordinary audio shapes are covered too.
        for (var i = 0; i < 16000; i++)
        {
            var t = i / 8000.0;
            samples.Add((short)Math.Round(32767 * Math.Sin(2 * Math.PI * (50 * t + (3500 - 50) * t * t / 4))));
        }

        var random = new Random(20261125);
        for (var i = 0; i < 16000; i++)
        {
            samples.Add((short)random.Next(short.MinValue, short.MaxValue + 1));
        }

        return samples.ToArray();
    }

    [Fact]
    public void Encoder_matches_sox_byte_for_byte()
    {
        var pcm = TestSignal();
        var input = _temp.File("in.wav");
        var output = _temp.File("out.raw");
        File.WriteAllBytes(input, WavFile.WritePcm16(pcm, 8000));

        // -D: SoX dithers by default whenever precision drops (16 → 14 bits), which makes its output random.
        Sox.Run("-D", input, "-t", "raw", "-e", "mu-law", output);
        var expected = File.ReadAllBytes(output);

        var actual = new byte[pcm.Length];
        MuLaw.Encode(pcm, actual);
        Assert.Equal(pcm.Length, expected.Length);
        var mismatches = Enumerable.Range(0, pcm.Length).Where(i => actual[i] != expected[i]).ToList();
        Assert.True(mismatches.Count == 0,
            $"{mismatches.Count} samples differ from SoX, first: {string.Join(", ", mismatches.Take(5).Select(i => $"{pcm[i]} → ours {actual[i]:x2}, sox {expected[i]:x2}"))}");
    }

    [Fact]
    public void Decoder_matches_sox_for_all_256_codes()
    {
        var codes = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        var input = _temp.File("codes.raw");
        var output = _temp.File("codes.s16");
        File.WriteAllBytes(input, codes);
        Sox.Run("-t", "raw", "-r", "8000", "-c", "1", "-e", "mu-law", input, "-t", "raw", "-e", "signed", "-b", "16", "-L", output);
        var bytes = File.ReadAllBytes(output);

        for (var i = 0; i < 256; i++)
        {
            Assert.Equal(BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(2 * i)), MuLaw.Decode(codes[i]));
        }
    }

    [Fact]
    public void Round_trip_error_stays_within_half_a_quantisation_step()
    {
        for (int x = short.MinValue; x <= short.MaxValue; x++)
        {
            var code = MuLaw.Encode((short)x);
            var decoded = MuLaw.Decode(code);
            if (Math.Abs(x) <= 32124)
            {
                // Step in segment s is 8 << s (16-bit units); decoding returns the middle of the step, plus SoX's 14-bit rounding.
                var segment = (~code >> 4) & 7;
                Assert.True(Math.Abs(decoded - x) <= (4 << segment) + 2, $"{x} → {code:x2} → {decoded}");
            }
            else
            {
                Assert.Equal(Math.Sign(x) * 32124, decoded);
            }
        }
    }

    [Fact]
    public void Span_and_single_sample_forms_agree()
    {
        short[] pcm = [0, 1, -1, 1000, -1000, short.MaxValue, short.MinValue];
        var encoded = MuLaw.Encode(pcm);
        Assert.Equal(pcm.Select(MuLaw.Encode), encoded);
        Assert.Equal(encoded.Select(MuLaw.Decode), MuLaw.Decode(encoded));
        Assert.Equal(0xFF, MuLaw.Encode(0));
        Assert.Equal(0, MuLaw.Decode(0xFF));
    }

    [Fact]
    public void Too_small_destination_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => MuLaw.Encode(new short[4], new byte[3]));
        Assert.Throws<ArgumentException>(() => MuLaw.Decode(new byte[4], new short[3]));
    }
}
