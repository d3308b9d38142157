using System.Diagnostics;

namespace AgentOS.Voice.Core.Tests.Speech;

/// <summary>Runs the real SoX (and friends) as processes; the tests compare our output with theirs.</summary>
internal static class Sox
{
    public static string Run(params string[] arguments) => RunTool("sox", arguments);

    /// <summary>`sox --i -X file`: one property of a file as SoX reads it.</summary>
    public static string Info(string flag, string path) => Run("--i", flag, path).Trim();

    public static string RunTool(string tool, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{tool} did not start");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} {string.Join(' ', arguments)} exited {process.ExitCode}: {stderr.Result}");
        }

        return stdout;
    }
}

/// <summary>A scratch directory per test class, deleted afterwards.</summary>
public sealed class TempDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("speech-tests-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}

internal static class Signals
{
    public static short[] Tone(double frequency, int sampleRate, int length, double amplitude = 10000)
    {
        var samples = new short[length];
        for (var i = 0; i < length; i++)
        {
            samples[i] = (short)Math.Round(amplitude * Math.Sin(2 * Math.PI * frequency * i / sampleRate));
        }

        return samples;
    }

    public static double Rms(ReadOnlySpan<short> samples)
    {
        var sum = 0.0;
        foreach (var s in samples)
        {
            sum += (double)s * s;
        }

        return Math.Sqrt(sum / samples.Length);
    }

    /// <summary>Amplitude of one frequency component (Goertzel), normalised so a sine of amplitude A gives about A.</summary>
    public static double Goertzel(ReadOnlySpan<short> samples, double frequency, int sampleRate)
    {
        var coefficient = 2 * Math.Cos(2 * Math.PI * frequency / sampleRate);
        double s1 = 0, s2 = 0;
        foreach (var x in samples)
        {
            var s0 = x + coefficient * s1 - s2;
            s2 = s1;
            s1 = s0;
        }

        var power = s1 * s1 + s2 * s2 - coefficient * s1 * s2;
        return 2 * Math.Sqrt(Math.Max(power, 0)) / samples.Length;
    }
}
