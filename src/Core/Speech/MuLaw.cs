namespace AgentOS.Voice.Speech;

/// <summary>
/// G.711 mu-law, bit-exact with SoX (and therefore with what telephony tools built on it produce): a 16-bit sample is
/// first rounded to 14 bits (half up, saturating at the top), then encoded by the classic segment search with bias 33
/// and clip 8159 in the 14-bit domain. Plain truncation (as in the reference C code) differs from SoX on ~500 inputs.
/// </summary>
public static class MuLaw
{
    private const int Bias14 = 0x84 >> 2;
    private const int Clip14 = 8159;

    private static readonly byte[] EncodeTable = BuildEncodeTable();
    private static readonly short[] DecodeTable = BuildDecodeTable();

    public static byte Encode(short sample) => EncodeTable[(ushort)sample];

    public static short Decode(byte muLaw) => DecodeTable[muLaw];

    /// <summary>Encodes <paramref name="pcm"/> into the first pcm.Length bytes of <paramref name="muLaw"/>.</summary>
    public static void Encode(ReadOnlySpan<short> pcm, Span<byte> muLaw)
    {
        if (muLaw.Length < pcm.Length)
        {
            throw new ArgumentException($"The destination holds {muLaw.Length} bytes but {pcm.Length} samples need encoding.", nameof(muLaw));
        }

        var table = EncodeTable;
        for (var i = 0; i < pcm.Length; i++)
        {
            muLaw[i] = table[(ushort)pcm[i]];
        }
    }

    /// <summary>Decodes <paramref name="muLaw"/> into the first muLaw.Length samples of <paramref name="pcm"/>.</summary>
    public static void Decode(ReadOnlySpan<byte> muLaw, Span<short> pcm)
    {
        if (pcm.Length < muLaw.Length)
        {
            throw new ArgumentException($"The destination holds {pcm.Length} samples but {muLaw.Length} bytes need decoding.", nameof(pcm));
        }

        var table = DecodeTable;
        for (var i = 0; i < muLaw.Length; i++)
        {
            pcm[i] = table[muLaw[i]];
        }
    }

    public static byte[] Encode(ReadOnlySpan<short> pcm)
    {
        var result = new byte[pcm.Length];
        Encode(pcm, result);
        return result;
    }

    public static short[] Decode(ReadOnlySpan<byte> muLaw)
    {
        var result = new short[muLaw.Length];
        Decode(muLaw, result);
        return result;
    }

    private static byte ComputeEncode(short sample)
    {
        // Round to 14 bits the way SoX does (add half an LSB, shift, saturate the single positive overflow).
        var value = Math.Min((sample + 2) >> 2, 8191);
        int mask;
        if (value < 0)
        {
            value = -value;
            mask = 0x7F;
        }
        else
        {
            mask = 0xFF;
        }

        value = Math.Min(value, Clip14) + Bias14;

        var segment = 0;
        for (var end = 0x3F; value > end; end = (end << 1) | 1)
        {
            segment++;
        }

        // Only the clip value itself (8159 + 33 = 0x2000) overflows the top segment; it maps to the loudest code.
        if (segment > 7)
        {
            return (byte)(0x7F ^ mask);
        }

        var code = (segment << 4) | ((value >> (segment + 1)) & 0x0F);
        return (byte)(code ^ mask);
    }

    private static short ComputeDecode(byte muLaw)
    {
        var u = ~muLaw & 0xFF;
        var magnitude = (((u & 0x0F) << 3) + 0x84) << ((u & 0x70) >> 4);
        return (short)((u & 0x80) != 0 ? 0x84 - magnitude : magnitude - 0x84);
    }

    private static byte[] BuildEncodeTable()
    {
        var table = new byte[65536];
        for (var i = 0; i < table.Length; i++)
        {
            table[i] = ComputeEncode((short)i);
        }

        return table;
    }

    private static short[] BuildDecodeTable()
    {
        var table = new short[256];
        for (var i = 0; i < table.Length; i++)
        {
            table[i] = ComputeDecode((byte)i);
        }

        return table;
    }
}
