using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace AgentOS.Voice.Bench.Common;

/// <summary>
/// The processes a benchmark starts (Azurite, our apps as built for Release, the fake LLM), their output echoed to
/// stderr with a name, all killed when disposed.
/// </summary>
public sealed class BenchProcesses : IDisposable
{
    public const string AzuriteAccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly List<Process> _processes = [];

    /// <summary>Starts an in-memory Azurite on free loopback ports; returns it and its connection string once tables answer.</summary>
    public async Task<(Process Process, string ConnectionString)> StartAzuriteAsync(string root, CancellationToken cancellationToken)
    {
        var script = Path.Combine(root, "node_modules", "azurite", "dist", "src", "azurite.js");
        if (!File.Exists(script))
        {
            throw new InvalidOperationException($"Azurite is not installed ({script} is missing): run `npm ci` in {root} first.");
        }

        int blob = FreePort(), queue = FreePort(), table = FreePort();
        var process = Start("azurite", "node",
        [
            script, "--silent", "--inMemoryPersistence",
            "--skipApiVersionCheck", "--loose", "--blobHost", "127.0.0.1", "--queueHost", "127.0.0.1", "--tableHost", "127.0.0.1",
            "--blobPort", blob.ToString(), "--queuePort", queue.ToString(), "--tablePort", table.ToString(),
        ], new Dictionary<string, string>());
        foreach (var port in new[] { blob, queue, table })
        {
            await WaitForPortAsync(port, process, cancellationToken);
        }

        return (process,
            $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AzuriteAccountKey};" +
            $"BlobEndpoint=http://127.0.0.1:{blob}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{queue}/devstoreaccount1;" +
            $"TableEndpoint=http://127.0.0.1:{table}/devstoreaccount1;");
    }

    /// <param name="workingDirectory">
    /// Where the app runs, as its platform would start it (the handler's folder, the container's /app). Not the
    /// repository: ASP.NET Core watches its content root (the working directory) for configuration changes, and
    /// watching the whole repository, node_modules and all, is start-up work no deployed app does.
    /// </param>
    public Process Start(string name, string file, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(file)
        {
            UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory ?? string.Empty,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
        // Apps run with Logging:LogLevel:Default=Warning, so what arrives here belongs in the run's output.
        process.OutputDataReceived += (_, e) => Echo(name, e.Data);
        process.ErrorDataReceived += (_, e) => Echo(name, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        lock (_processes)
        {
            _processes.Add(process);
        }

        return process;
    }

    /// <summary>Stops one process early (e.g. after a cold-start measurement).</summary>
    public void Stop(Process process)
    {
        Kill(process);
        lock (_processes)
        {
            _processes.Remove(process);
        }
    }

    /// <summary>
    /// SIGTERM, as a platform stops an app: its host runs the shutdown it has (draining queues) before exiting.
    /// Killed if it has not exited within <paramref name="timeout"/>.
    /// </summary>
    public async Task StopGracefullyAsync(Process process, TimeSpan timeout)
    {
        if (!process.HasExited)
        {
            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString()]))
            {
                await kill.WaitForExitAsync();
            }

            using var wait = new CancellationTokenSource(timeout);
            try
            {
                await process.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine($"pid {process.Id} did not exit within {timeout.TotalSeconds:F0} s of SIGTERM; killed.");
            }
        }

        Stop(process);
    }

    private static void Echo(string name, string? line)
    {
        if (!string.IsNullOrWhiteSpace(line))
        {
            Console.Error.WriteLine($"[{name}] {line}");
        }
    }

    /// <summary>An app's Release build; benchmarks measure nothing else.</summary>
    public static string ReleaseDll(string root, string project, string dll)
    {
        var path = Path.Combine(root, project, "bin", "Release", "net10.0", dll);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is missing: build it with `dotnet build -c Release {project}`.");
    }

    public static async Task WaitForPortAsync(int port, Process process, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
                return;
            }
            catch (SocketException) when (!process.HasExited && deadline.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(50, cancellationToken);
            }
        }
    }

    public static async Task WaitForHealthAsync(HttpClient http, string url, Process process, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The process for {url} exited with {process.ExitCode} during start-up; its output is above.");
            }

            try
            {
                using var response = await http.GetAsync(url, cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException) when (deadline.Elapsed < TimeSpan.FromSeconds(60))
            {
                // Not listening yet.
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The repo root (it holds AgentOS.Functions.sln), found from the working directory up.</summary>
    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AgentOS.Functions.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Run from inside the repository (no AgentOS.Functions.sln found above the working directory).");
    }

    private static void Kill(Process process)
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }

        process.Dispose();
    }

    public void Dispose()
    {
        lock (_processes)
        {
            foreach (var process in Enumerable.Reverse(_processes))
            {
                Kill(process);
            }

            _processes.Clear();
        }
    }
}
