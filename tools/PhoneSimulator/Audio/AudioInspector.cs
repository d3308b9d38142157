using System.Buffers.Binary;

namespace AgentOS.Voice.Simulator.Audio;

/// <summary>What a played file turned out to be; <see cref="Error"/> is set when Twilio could not have played it.</summary>
public sealed record AudioCheck(bool Playable, string? Format, int SampleRate, int Channels, TimeSpan Duration, string? Error)
{
    public static AudioCheck Unplayable(string error) => new(false, null, 0, 0, TimeSpan.Zero, error);
}

/// <summary>
/// Checks that bytes are audio Twilio's &lt;Play&gt; accepts, by container rather than by Content-Type, because a server
/// that labels a file wrongly still gets it played (or not) by what it is.
/// </summary>
public static class AudioInspector
{
    private const ushort Pcm = 1;
    private const ushort ALaw = 6;
    private const ushort MuLaw = 7;

    public static AudioCheck Inspect(ReadOnlySpan<byte> data)
    {
        if (data.Length >= 12 && data[..4].SequenceEqual("RIFF"u8) && data[8..12].SequenceEqual("WAVE"u8))
        {
            return InspectWav(data);
        }

        return LooksLikeMp3(data) ? InspectMp3(data) : AudioCheck.Unplayable("neither a RIFF/WAVE file nor MP3 frames");
    }

    private static AudioCheck InspectWav(ReadOnlySpan<byte> data)
    {
        ushort format = 0, channels = 0, bits = 0;
        var sampleRate = 0;
        var byteRate = 0;
        var offset = 12;
        // Chunks are walked because encoders put 'fact', 'LIST' and others before 'data' (sox's mu-law has 'fact').
        while (offset + 8 <= data.Length)
        {
            var id = data.Slice(offset, 4);
            var size = BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(offset + 4, 4));
            var body = offset + 8;
            if (id.SequenceEqual("fmt "u8))
            {
                if (size < 16 || body + 16 > data.Length)
                {
                    return AudioCheck.Unplayable("WAV fmt chunk is truncated");
                }

                format = BinaryPrimitives.ReadUInt16LittleEndian(data.Slice(body, 2));
                channels = BinaryPrimitives.ReadUInt16LittleEndian(data.Slice(body + 2, 2));
                sampleRate = BinaryPrimitives.ReadInt32LittleEndian(data.Slice(body + 4, 4));
                byteRate = BinaryPrimitives.ReadInt32LittleEndian(data.Slice(body + 8, 4));
                bits = BinaryPrimitives.ReadUInt16LittleEndian(data.Slice(body + 14, 2));
            }
            else if (id.SequenceEqual("data"u8))
            {
                if (format == 0)
                {
                    return AudioCheck.Unplayable("WAV data chunk comes before any fmt chunk");
                }

                var name = (format, bits) switch
                {
                    (Pcm, 16) => "wav/pcm16",
                    (MuLaw, 8) => "wav/mulaw",
                    (ALaw, 8) => "wav/alaw",
                    _ => null,
                };
                if (name is null)
                {
                    return AudioCheck.Unplayable($"WAV format {format} with {bits} bits per sample is not PCM16, mu-law or a-law");
                }

                if (byteRate <= 0 || channels == 0 || sampleRate <= 0)
                {
                    return AudioCheck.Unplayable("WAV fmt chunk has a zero rate or channel count");
                }

                var available = Math.Min(size, (uint)(data.Length - body));
                if (available == 0)
                {
                    return AudioCheck.Unplayable("WAV has no audio data");
                }

                return new AudioCheck(true, name, sampleRate, channels, TimeSpan.FromSeconds((double)available / byteRate), null);
            }

            offset = body + (int)Math.Min(size + (size & 1), int.MaxValue - body);
        }

        return AudioCheck.Unplayable("WAV has no data chunk");
    }

    private static bool LooksLikeMp3(ReadOnlySpan<byte> data) =>
        (data.Length >= 10 && data[..3].SequenceEqual("ID3"u8)) || (data.Length >= 4 && FrameHeader.TryRead(data, out _));

    private static AudioCheck InspectMp3(ReadOnlySpan<byte> data)
    {
        var offset = 0;
        if (data.Length >= 10 && data[..3].SequenceEqual("ID3"u8))
        {
            // The ID3v2 size is "syncsafe": four 7-bit bytes.
            var tagSize = (data[6] & 0x7F) << 21 | (data[7] & 0x7F) << 14 | (data[8] & 0x7F) << 7 | (data[9] & 0x7F);
            offset = 10 + tagSize + ((data[5] & 0x10) != 0 ? 10 : 0);
        }

        var frames = 0;
        var samples = 0L;
        FrameHeader first = default;
        while (offset + 4 <= data.Length && FrameHeader.TryRead(data[offset..], out var header))
        {
            if (frames == 0)
            {
                first = header;
            }

            frames++;
            samples += header.SamplesPerFrame;
            offset += header.Length;
        }

        if (frames == 0)
        {
            return AudioCheck.Unplayable("MP3 has no valid frame after its ID3 tag");
        }

        return new AudioCheck(true, "mp3", first.SampleRate, first.Channels, TimeSpan.FromSeconds((double)samples / first.SampleRate), null);
    }

    private readonly record struct FrameHeader(int Length, int SampleRate, int SamplesPerFrame, int Channels)
    {
        private static readonly int[] Mpeg1Layer3Kbps = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
        private static readonly int[] Mpeg2Layer3Kbps = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
        private static readonly int[] Mpeg1Rates = [44100, 48000, 32000];

        // Only Layer III is accepted: it is what "MP3" means, and what Twilio documents as audio/mpeg.
        public static bool TryRead(ReadOnlySpan<byte> data, out FrameHeader header)
        {
            header = default;
            if (data.Length < 4 || data[0] != 0xFF || (data[1] & 0xE0) != 0xE0)
            {
                return false;
            }

            var version = (data[1] >> 3) & 0x3; // 3 = MPEG1, 2 = MPEG2, 0 = MPEG2.5
            var layer = (data[1] >> 1) & 0x3;   // 1 = Layer III
            var bitrateIndex = data[2] >> 4;
            var rateIndex = (data[2] >> 2) & 0x3;
            if (version == 1 || layer != 1 || bitrateIndex is 0 or 15 || rateIndex == 3)
            {
                return false;
            }

            var mpeg1 = version == 3;
            var kbps = (mpeg1 ? Mpeg1Layer3Kbps : Mpeg2Layer3Kbps)[bitrateIndex];
            var rate = Mpeg1Rates[rateIndex] / (mpeg1 ? 1 : version == 2 ? 2 : 4);
            var padding = (data[2] >> 1) & 0x1;
            var samples = mpeg1 ? 1152 : 576;
            var length = samples / 8 * kbps * 1000 / rate + padding;
            var channels = (data[3] >> 6) == 3 ? 1 : 2;
            header = new FrameHeader(length, rate, samples, channels);
            return length > 4;
        }
    }
}
