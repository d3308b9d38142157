using System.Buffers.Binary;
using System.Text;
using AgentOS.Voice.Speech;

namespace AgentOS.Voice.Core.Tests.Speech;

public sealed class WavFileTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Reads_the_58_byte_header_mu_law_wav_that_sox_writes()
    {
        var pcm = Signals.Tone(440, 8000, 8001);
        var input = _temp.File("tone.wav");
        var output = _temp.File("tone-ulaw.wav");
        File.WriteAllBytes(input, WavFile.WritePcm16(pcm, 8000));
        Sox.Run("-D", input, "-e", "mu-law", output);

        var bytes = File.ReadAllBytes(output);
        var wav = WavFile.Read(bytes);

        Assert.Equal("fact", Encoding.ASCII.GetString(bytes, 38, 4));
        Assert.Equal(WavEncoding.MuLaw, wav.Encoding);
        Assert.Equal(8000, wav.SampleRate);
        Assert.Equal(1, wav.Channels);
        Assert.Equal(8001, wav.FrameCount);
        Assert.Equal(58, bytes.Length - wav.Data.Length - 1); // 58-byte header, then data and its pad byte (odd length)
        Assert.Equal(MuLaw.Encode(pcm), wav.Data.ToArray());
        Assert.Equal(TimeSpan.FromSeconds(8001 / 8000.0), wav.Duration);
        Assert.Equal(bytes, WavFile.WriteMuLaw(wav.Data.Span)); // our writer produces SoX's layout byte for byte
    }

    [Fact]
    public void Sox_accepts_the_mu_law_wav_we_write()
    {
        var muLaw = MuLaw.Encode(Signals.Tone(440, 8000, 12001));
        var path = _temp.File("ours-ulaw.wav");
        File.WriteAllBytes(path, WavFile.WriteMuLaw(muLaw));

        Assert.Equal("u-law", Sox.Info("-e", path));
        Assert.Equal("8000", Sox.Info("-r", path));
        Assert.Equal("1", Sox.Info("-c", path));
        Assert.Equal("12001", Sox.Info("-s", path));
        Assert.Equal("1.500125", Sox.Info("-D", path));

        // And SoX reads back exactly our bytes.
        var raw = _temp.File("back.raw");
        Sox.Run(path, "-t", "raw", raw);
        Assert.Equal(muLaw, File.ReadAllBytes(raw));
    }

    [Fact]
    public void Sox_accepts_the_pcm16_wav_we_write_at_any_rate_and_channel_count()
    {
        var stereo = new short[2 * 1600];
        for (var i = 0; i < stereo.Length; i++)
        {
            stereo[i] = (short)(i * 37 - 30000);
        }

        var path = _temp.File("ours-stereo.wav");
        File.WriteAllBytes(path, WavFile.WritePcm16(stereo, 16000, channels: 2));

        Assert.Equal("Signed Integer PCM", Sox.Info("-e", path));
        Assert.Equal("16000", Sox.Info("-r", path));
        Assert.Equal("2", Sox.Info("-c", path));
        Assert.Equal("0.100000", Sox.Info("-D", path));

        var raw = _temp.File("stereo.s16");
        Sox.Run(path, "-t", "raw", "-e", "signed", "-b", "16", "-L", raw);
        var bytes = File.ReadAllBytes(raw);
        Assert.Equal(stereo, Enumerable.Range(0, stereo.Length).Select(i => BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(2 * i))));

        var back = WavFile.Read(File.ReadAllBytes(path));
        Assert.Equal((WavEncoding.Pcm16, 16000, 2, 1600L), (back.Encoding, back.SampleRate, back.Channels, back.FrameCount));
        Assert.Equal(stereo, back.ToPcm16());
    }

    [Fact]
    public void Walks_list_and_odd_sized_chunks_before_the_data_as_sox_does()
    {
        var samples = new short[] { 1, -2, 300, -4000, 32767, -32768 };
        var plain = WavFile.WritePcm16(samples, 22050);

        // Insert a LIST chunk and an odd-sized private chunk (with its pad byte) between fmt and data.
        var extra = new List<byte>();
        extra.AddRange(Chunk("LIST", [.. "INFOICMT"u8, .. BitConverter.GetBytes(6), .. "hello\0"u8]));
        extra.AddRange(Chunk("zzzz", [1, 2, 3]));
        var file = plain[..36].Concat(extra).Concat(plain[36..]).ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(4), (uint)(file.Length - 8));
        var path = _temp.File("chunks.wav");
        File.WriteAllBytes(path, file);

        var wav = WavFile.Read(file);
        Assert.Equal(samples, wav.ToPcm16());
        Assert.Equal(22050, wav.SampleRate);

        var raw = _temp.File("chunks.s16");
        Sox.Run(path, "-t", "raw", raw);
        Assert.Equal(wav.Data.ToArray(), File.ReadAllBytes(raw));
    }

    [Fact]
    public void Reads_what_espeak_ng_streams_to_stdout_despite_its_placeholder_sizes()
    {
        var start = new System.Diagnostics.ProcessStartInfo("espeak-ng", ["--stdout", "testing one two"])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        using var process = System.Diagnostics.Process.Start(start)!;
        using var buffer = new MemoryStream();
        process.StandardOutput.BaseStream.CopyTo(buffer);
        process.WaitForExit();
        var bytes = buffer.ToArray();

        Assert.True(BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(40)) > bytes.Length, "espeak-ng is expected to write a placeholder data size");
        var wav = WavFile.Read(bytes);
        Assert.Equal((WavEncoding.Pcm16, 22050, 1), (wav.Encoding, wav.SampleRate, wav.Channels));
        Assert.Equal((bytes.Length - 44) / 2, wav.FrameCount);
    }

    [Fact]
    public void Mu_law_writer_pads_odd_data_and_reads_back()
    {
        byte[] muLaw = [0xFF, 0x00, 0x80];
        var file = WavFile.WriteMuLaw(muLaw);

        Assert.Equal(58 + 3 + 1, file.Length);
        Assert.Equal((uint)(file.Length - 8), BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(4)));
        Assert.Equal(3u, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(46))); // fact: sample frames
        var wav = WavFile.Read(file);
        Assert.Equal(muLaw, wav.Data.ToArray());
        Assert.Equal(file, wav.ToBytes());
    }

    [Fact]
    public void Rejects_a_file_that_is_not_riff_wave()
    {
        var e = Assert.Throws<InvalidDataException>(() => WavFile.Read(Encoding.ASCII.GetBytes("ID3\u0004 this is an mp3")));
        Assert.Contains("Not a WAV file", e.Message);
        Assert.Throws<InvalidDataException>(() => WavFile.Read(Array.Empty<byte>()));
    }

    [Fact]
    public void Rejects_truncated_files_with_what_is_missing()
    {
        var file = WavFile.WriteMuLaw(new byte[1000]);

        var cutData = Assert.Throws<InvalidDataException>(() => WavFile.Read(file[..500]));
        Assert.Contains("truncated", cutData.Message);
        Assert.Contains("1000", cutData.Message);

        var cutFmt = Assert.Throws<InvalidDataException>(() => WavFile.Read(file[..30]));
        Assert.Contains("'fmt '", cutFmt.Message);

        var noData = Assert.Throws<InvalidDataException>(() => WavFile.Read(file[..50]));
        Assert.Contains("no data chunk", noData.Message);
    }

    [Theory]
    [InlineData("floating-point", "32", "format tag 3")]
    [InlineData("signed-integer", "24", "24 bits per sample")]
    [InlineData("a-law", "8", "format tag 6")]
    public void Rejects_encodings_other_than_pcm16_and_mu_law(string encoding, string bits, string expected)
    {
        var input = _temp.File("in.wav");
        var output = _temp.File($"{encoding}-{bits}.wav");
        File.WriteAllBytes(input, WavFile.WritePcm16(Signals.Tone(440, 8000, 800), 8000));
        Sox.Run("-D", input, "-e", encoding, "-b", bits, output);

        var e = Assert.Throws<InvalidDataException>(() => WavFile.Read(File.ReadAllBytes(output)));
        Assert.Contains(expected, e.Message);
    }

    private static byte[] Chunk(string id, byte[] body)
    {
        var chunk = new byte[8 + body.Length + (body.Length & 1)];
        Encoding.ASCII.GetBytes(id).CopyTo(chunk, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(chunk.AsSpan(4), (uint)body.Length);
        body.CopyTo(chunk, 8);
        return chunk;
    }
}
