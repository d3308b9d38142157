using System.Diagnostics;

namespace AgentOS.Voice.Simulator.Tests.Support;

/// <summary>Real audio files made by sox, so the simulator's checks meet what encoders actually write.</summary>
public static class SoxTone
{
    /// <summary>One second of 440 Hz, 8 kHz mu-law WAV (sox writes a 'fact' chunk before 'data').</summary>
    public static readonly Lazy<byte[]> MuLawWav = new(() => Make("-e", "mu-law", "wav"));

    public static readonly Lazy<byte[]> Pcm16Wav = new(() => Make("-e", "signed-integer", "wav", "-b", "16"));

    private static byte[] Make(string encodingFlag, string encoding, string extension, params string[] extra)
    {
        var path = Path.Combine(Path.GetTempPath(), $"phonesim-{Guid.NewGuid():N}.{extension}");
        var start = new ProcessStartInfo("sox") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "-n", "-r", "8000", "-c", "1", encodingFlag, encoding }.Concat(extra).Concat([path, "synth", "1", "sine", "440"]))
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("sox did not start");
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"sox failed: {error}");
        }

        var bytes = File.ReadAllBytes(path);
        File.Delete(path);
        return bytes;
    }
}
