using System.Buffers.Binary;

namespace AgentOS.Voice.Speech;

/// <summary>The sample encodings this product reads and writes; the values are the WAVE format tags.</summary>
public enum WavEncoding
{
    Pcm16 = 1,
    MuLaw = 7,
}

/// <summary>
/// A WAV file in memory: format plus interleaved sample bytes. Reading walks the RIFF chunks instead of assuming a
/// 44-byte header, because real files carry <c>fact</c> (SoX's mu-law), <c>LIST</c> and other chunks before the data.
/// </summary>
public sealed class WavFile
{
    private const int FormatExtensible = 0xFFFE;

    // espeak-ng and SoX writing to a pipe cannot seek back, so they leave a placeholder size of about 2 GiB.
    private const uint StreamedSizeThreshold = 0x7FFF_0000;

    public WavFile(WavEncoding encoding, int sampleRate, int channels, ReadOnlyMemory<byte> data)
    {
        if (!Enum.IsDefined(encoding))
        {
            throw new ArgumentOutOfRangeException(nameof(encoding), encoding, "Only PCM16 and mu-law are supported.");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        Encoding = encoding;
        SampleRate = sampleRate;
        Channels = channels;
        if (data.Length % BlockAlign != 0)
        {
            throw new ArgumentException($"{data.Length} bytes is not a whole number of {BlockAlign}-byte sample frames.", nameof(data));
        }

        Data = data;
    }

    public WavEncoding Encoding { get; }
    public int SampleRate { get; }
    public int Channels { get; }

    /// <summary>The raw sample bytes, interleaved by channel (little-endian for PCM16).</summary>
    public ReadOnlyMemory<byte> Data { get; }

    public int BitsPerSample => Encoding == WavEncoding.Pcm16 ? 16 : 8;
    public int BlockAlign => Channels * BitsPerSample / 8;
    public long FrameCount => Data.Length / BlockAlign;
    public TimeSpan Duration => TimeSpan.FromSeconds((double)FrameCount / SampleRate);

    /// <summary>All samples as 16-bit PCM (mu-law is decoded), still interleaved by channel.</summary>
    public short[] ToPcm16()
    {
        if (Encoding == WavEncoding.MuLaw)
        {
            return MuLaw.Decode(Data.Span);
        }

        var samples = new short[Data.Length / 2];
        var bytes = Data.Span;
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = BinaryPrimitives.ReadInt16LittleEndian(bytes[(2 * i)..]);
        }

        return samples;
    }

    public static WavFile Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return Read(buffer.ToArray());
    }

    /// <summary>Parses a WAV file; <see cref="Data"/> is a slice of <paramref name="file"/>, not a copy.</summary>
    /// <exception cref="InvalidDataException">Not RIFF/WAVE, truncated, or an encoding other than PCM16 or mu-law.</exception>
    public static WavFile Read(ReadOnlyMemory<byte> file)
    {
        var span = file.Span;
        if (span.Length < 12 || !span[..4].SequenceEqual("RIFF"u8) || !span[8..12].SequenceEqual("WAVE"u8))
        {
            throw new InvalidDataException("Not a WAV file: it does not start with a RIFF header of form type WAVE.");
        }

        (int Tag, int Channels, int Rate, int Bits)? format = null;
        var position = 12;
        while (position < span.Length)
        {
            if (span.Length - position < 8)
            {
                throw new InvalidDataException($"WAV file is truncated: {span.Length - position} stray bytes where a chunk header should be at offset {position}.");
            }

            var id = System.Text.Encoding.ASCII.GetString(span.Slice(position, 4));
            var size = BinaryPrimitives.ReadUInt32LittleEndian(span[(position + 4)..]);
            var body = position + 8;
            var remaining = span.Length - body;

            if (id == "data")
            {
                if (format is null)
                {
                    throw new InvalidDataException("Unsupported WAV file: the data chunk comes before any fmt chunk.");
                }

                var length = size;
                if (size > remaining)
                {
                    if (size < StreamedSizeThreshold)
                    {
                        throw new InvalidDataException($"WAV file is truncated: the data chunk declares {size} bytes but only {remaining} follow.");
                    }

                    length = (uint)remaining;
                }

                return Create(format.Value, file.Slice(body, (int)length));
            }

            if (size > remaining)
            {
                throw new InvalidDataException($"WAV file is truncated: chunk '{id}' declares {size} bytes but only {remaining} follow.");
            }

            if (id == "fmt ")
            {
                format = ParseFormat(span.Slice(body, (int)size));
            }

            // Chunks are word-aligned: an odd-sized chunk is followed by one pad byte not counted in its size.
            position = body + (int)size + (int)(size & 1);
        }

        throw new InvalidDataException(format is null
            ? "WAV file has neither a fmt nor a data chunk."
            : "WAV file has no data chunk.");
    }

    /// <summary>A mu-law WAV (format 7, 8-bit) with the <c>fact</c> chunk that non-PCM formats require; 8 kHz mono by default, as telephony wants.</summary>
    public static byte[] WriteMuLaw(ReadOnlySpan<byte> muLaw, int sampleRate = 8000, int channels = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        if (muLaw.Length % channels != 0)
        {
            throw new ArgumentException($"{muLaw.Length} bytes is not a whole number of {channels}-channel frames.", nameof(muLaw));
        }

        Span<byte> fact = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(fact, (uint)(muLaw.Length / channels));
        return Write((int)WavEncoding.MuLaw, sampleRate, channels, 8, fact, muLaw);
    }

    /// <summary>A PCM16 WAV (format 1) with the classic 44-byte header.</summary>
    public static byte[] WritePcm16(ReadOnlySpan<short> samples, int sampleRate, int channels = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        if (samples.Length % channels != 0)
        {
            throw new ArgumentException($"{samples.Length} samples is not a whole number of {channels}-channel frames.", nameof(samples));
        }

        var bytes = new byte[samples.Length * 2];
        for (var i = 0; i < samples.Length; i++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(2 * i), samples[i]);
        }

        return Write((int)WavEncoding.Pcm16, sampleRate, channels, 16, fact: default, bytes);
    }

    /// <summary>Serialises this file (mu-law with a fact chunk, PCM16 without).</summary>
    public byte[] ToBytes() => Encoding == WavEncoding.MuLaw
        ? WriteMuLaw(Data.Span, SampleRate, Channels)
        : WritePcm16(ToPcm16(), SampleRate, Channels);

    private static WavFile Create((int Tag, int Channels, int Rate, int Bits) format, ReadOnlyMemory<byte> data)
    {
        var encoding = format switch
        {
            { Tag: 1, Bits: 16 } => WavEncoding.Pcm16,
            { Tag: 7, Bits: 8 } => WavEncoding.MuLaw,
            { Tag: 1 } => throw new InvalidDataException($"Unsupported WAV file: PCM with {format.Bits} bits per sample (only 16-bit PCM is supported)."),
            { Tag: 7 } => throw new InvalidDataException($"Unsupported WAV file: mu-law with {format.Bits} bits per sample (must be 8)."),
            _ => throw new InvalidDataException($"Unsupported WAV encoding: format tag {format.Tag} (only PCM16 = 1 and mu-law = 7 are supported)."),
        };

        var blockAlign = format.Channels * format.Bits / 8;

        // A file cut mid-frame still has whole frames worth playing; the partial one is dropped.
        return new WavFile(encoding, format.Rate, format.Channels, data[..(data.Length - data.Length % blockAlign)]);
    }

    private static (int Tag, int Channels, int Rate, int Bits) ParseFormat(ReadOnlySpan<byte> fmt)
    {
        if (fmt.Length < 16)
        {
            throw new InvalidDataException($"WAV fmt chunk is {fmt.Length} bytes; at least 16 are required.");
        }

        int tag = BinaryPrimitives.ReadUInt16LittleEndian(fmt);
        int channels = BinaryPrimitives.ReadUInt16LittleEndian(fmt[2..]);
        var rate = BinaryPrimitives.ReadUInt32LittleEndian(fmt[4..]);
        int bits = BinaryPrimitives.ReadUInt16LittleEndian(fmt[14..]);

        // WAVE_FORMAT_EXTENSIBLE keeps the real tag in the first two bytes of the sub-format GUID (offset 24).
        if (tag == FormatExtensible)
        {
            if (fmt.Length < 40)
            {
                throw new InvalidDataException($"WAV fmt chunk is WAVE_FORMAT_EXTENSIBLE but only {fmt.Length} bytes long (40 required).");
            }

            tag = BinaryPrimitives.ReadUInt16LittleEndian(fmt[24..]);
        }

        if (channels == 0 || rate == 0 || rate > int.MaxValue)
        {
            throw new InvalidDataException($"WAV fmt chunk is invalid: {channels} channels at {rate} Hz.");
        }

        return (tag, channels, (int)rate, bits);
    }

    private static byte[] Write(int tag, int sampleRate, int channels, int bits, ReadOnlySpan<byte> fact, ReadOnlySpan<byte> data)
    {
        var fmtSize = fact.IsEmpty ? 16 : 18; // non-PCM formats carry cbSize (0) after the PCM fields
        var factSize = fact.IsEmpty ? 0 : 8 + fact.Length;
        var pad = data.Length & 1;
        var total = 12 + 8 + fmtSize + factSize + 8 + data.Length + pad;
        var file = new byte[total];
        var w = file.AsSpan();
        var blockAlign = channels * bits / 8;

        "RIFF"u8.CopyTo(w);
        BinaryPrimitives.WriteUInt32LittleEndian(w[4..], (uint)(total - 8));
        "WAVE"u8.CopyTo(w[8..]);
        "fmt "u8.CopyTo(w[12..]);
        BinaryPrimitives.WriteUInt32LittleEndian(w[16..], (uint)fmtSize);
        BinaryPrimitives.WriteUInt16LittleEndian(w[20..], (ushort)tag);
        BinaryPrimitives.WriteUInt16LittleEndian(w[22..], (ushort)channels);
        BinaryPrimitives.WriteUInt32LittleEndian(w[24..], (uint)sampleRate);
        BinaryPrimitives.WriteUInt32LittleEndian(w[28..], (uint)(sampleRate * blockAlign));
        BinaryPrimitives.WriteUInt16LittleEndian(w[32..], (ushort)blockAlign);
        BinaryPrimitives.WriteUInt16LittleEndian(w[34..], (ushort)bits);
        var position = 20 + fmtSize; // cbSize, when present, stays zero
        if (!fact.IsEmpty)
        {
            "fact"u8.CopyTo(w[position..]);
            BinaryPrimitives.WriteUInt32LittleEndian(w[(position + 4)..], (uint)fact.Length);
            fact.CopyTo(w[(position + 8)..]);
            position += factSize;
        }

        "data"u8.CopyTo(w[position..]);
        BinaryPrimitives.WriteUInt32LittleEndian(w[(position + 4)..], (uint)data.Length);
        data.CopyTo(w[(position + 8)..]);
        return file;
    }
}
