using System.Diagnostics;
using System.Text;
using AgentOS.Voice.TestSupport;

namespace AgentOS.Voice.EndToEnd.Tests.LocalRun;

/// <summary>
/// README's run command as a process: the dev runner (built beside this assembly) on free ports with its own Azurite
/// data folder, its output collected. Disposing kills it with everything it started and deletes the data.
/// </summary>
internal sealed class DevRunnerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly DirectoryInfo _data;
    private readonly StringBuilder _log = new();

    private DevRunnerProcess(Process process, DirectoryInfo data, int portBase)
    {
        _process = process;
        _data = data;
        FunctionsUrl = $"http://127.0.0.1:{portBase}";
    }

    public string FunctionsUrl { get; }

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public int ExitCode => _process.ExitCode;

    /// <summary>True when the runner exited (its output read to the end) within <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public static DevRunnerProcess Start(params string[] arguments)
    {
        var runner = Path.Combine(RepoPaths.Root, "tools", "DevRunner", "bin", BuildConfiguration(), "net10.0", "dev-runner.dll");
        Assert.True(File.Exists(runner), $"{runner} was not built");
        var data = Directory.CreateTempSubdirectory("agentos-devrun-");
        var portBase = FreePort.Run(8);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepoPaths.Root };
        foreach (var argument in (string[])[runner, .. arguments, "--port-base", portBase.ToString(), "--data", data.FullName])
        {
            start.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = start };
        var run = new DevRunnerProcess(process, data, portBase);
        process.OutputDataReceived += (_, e) => run.Append(e.Data);
        process.ErrorDataReceived += (_, e) => run.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return run;
    }

    /// <summary>Waits until the runner printed <paramref name="text"/>; fails with its output when it exits first.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (!Log.Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited)
            {
                Assert.Fail($"dev-runner exited ({_process.ExitCode}) before printing '{text}':\n{Log}");
            }

            Assert.True(deadline.Elapsed < timeout, $"dev-runner did not print '{text}' within {timeout}:\n{Log}");
            await Task.Delay(200);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
        _data.Delete(recursive: true);
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                _log.AppendLine(line);
            }
        }
    }

    // The runner is built in the same configuration as this test assembly (bin/<Configuration>/net10.0/).
    private static string BuildConfiguration() =>
        new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
}
