using System.Diagnostics;
using AgentOS.Voice.TestSupport;

namespace AgentOS.Voice.EndToEnd.Tests.LocalRun;

/// <summary>
/// README's run command, as a newcomer would use it: the dev runner starts Azurite, the Functions app, RelayHost and the
/// phone simulator as separate processes, then a scripted caller talks to the demo agent and a voice message is played.
/// </summary>
public class LocalRunSmokeTests
{
    [Fact]
    public async Task Dev_run_smoke_completes_a_live_call_and_a_voice_message()
    {
        var runner = Path.Combine(RepoPaths.Root, "tools", "DevRunner", "bin", BuildConfiguration(), "net10.0", "dev-runner.dll");
        Assert.True(File.Exists(runner), $"{runner} was not built");
        var data = Directory.CreateTempSubdirectory("agentos-devrun-");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepoPaths.Root };
        foreach (var argument in new[] { runner, "--smoke", "--quiet", "--port-base", FreePort.Run(6).ToString(), "--data", data.FullName })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
        }

        var log = await output + await errors;
        data.Delete(recursive: true);
        Assert.True(process.ExitCode == 0, $"dev-runner --smoke exited {process.ExitCode}:\n{log}");
        Assert.Contains("Demo agent 'demo'", log, StringComparison.Ordinal);
        Assert.Matches(@"Message \S+: completed", log);
    }

    // The runner is built in the same configuration as this test assembly (bin/<Configuration>/net10.0/).
    private static string BuildConfiguration() =>
        new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
}
