using System.Diagnostics;

namespace AgentOS.Voice.DevRunner;

/// <summary>A process the runner started, its output prefixed with its name so four logs can share one console.</summary>
internal sealed class ChildProcess : IDisposable
{
    private readonly Process _process;

    private ChildProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }

    public bool HasExited => _process.HasExited;

    public static ChildProcess Start(string name, string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment, bool quiet = false)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"{name} did not start");
        var prefix = $"[{name}] ";
        process.OutputDataReceived += (_, e) => Print(prefix, e.Data, quiet);
        process.ErrorDataReceived += (_, e) => Print(prefix, e.Data, quiet: false);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ChildProcess(name, process);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }

        _process.Dispose();
    }

    private static void Print(string prefix, string? line, bool quiet)
    {
        if (line is not null && !quiet)
        {
            Console.WriteLine(prefix + line);
        }
    }
}
