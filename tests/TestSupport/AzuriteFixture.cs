using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Xunit;

namespace AgentOS.Voice.TestSupport;

/// <summary>
/// Starts a private, in-memory Azurite on free loopback ports for one test class or collection, and stops it after.
/// Azurite comes from the repo's own node_modules (npm ci); if it is missing the tests fail and say how to install it.
/// Fault tests can freeze it (SIGSTOP: connections accepted, nothing answered) and thaw it, or stop it for good
/// (connections refused; its data is in memory, so it is not started again).
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private Process? _process;

    public int BlobPort { get; private set; } = FreePort.Next();
    public int QueuePort { get; private set; } = FreePort.Next();
    public int TablePort { get; private set; } = FreePort.Next();

    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    public string ConnectionString =>
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
        $"AccountKey={AccountKey};" +
        $"BlobEndpoint=http://127.0.0.1:{BlobPort}/devstoreaccount1;" +
        $"QueueEndpoint=http://127.0.0.1:{QueuePort}/devstoreaccount1;" +
        $"TableEndpoint=http://127.0.0.1:{TablePort}/devstoreaccount1;";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    // A port free when asked can be taken before node binds it (test projects run in parallel and every outgoing
    // connection takes an ephemeral port), and then Azurite exits at once: it is started again on fresh ports.
    private const int StartAttempts = 3;

    public static string AzuriteScript => Path.Combine(RepoPaths.Root, "node_modules", "azurite", "dist", "src", "azurite.js");

    public async Task InitializeAsync()
    {
        if (!File.Exists(AzuriteScript))
        {
            throw new InvalidOperationException($"Azurite is not installed ({AzuriteScript} is missing): run `npm ci` in {RepoPaths.Root}.");
        }

        var deadline = DateTime.UtcNow.Add(StartTimeout);
        for (var attempt = 1; ; attempt++)
        {
            var (listening, failedPort, exited) = await StartOnceAsync(deadline);
            if (listening)
            {
                return;
            }

            // A fixture whose start failed is not disposed (three such nodes outlived a run): stop it here.
            await DisposeAsync();
            if (!exited || attempt == StartAttempts)
            {
                throw new InvalidOperationException(
                    $"Azurite did not listen on port {failedPort} within {StartTimeout.TotalSeconds:0} s (exited: {exited}; attempt {attempt} of {StartAttempts}).");
            }

            (BlobPort, QueuePort, TablePort) = (FreePort.Next(), FreePort.Next(), FreePort.Next());
        }
    }

    private async Task<(bool Listening, int FailedPort, bool Exited)> StartOnceAsync(DateTime deadline)
    {
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
                 {
                     AzuriteScript, "--silent", "--inMemoryPersistence", "--skipApiVersionCheck", "--loose",
                     "--blobHost", "127.0.0.1", "--queueHost", "127.0.0.1", "--tableHost", "127.0.0.1",
                     "--blobPort", BlobPort.ToString(), "--queuePort", QueuePort.ToString(), "--tablePort", TablePort.ToString(),
                 })
        {
            start.ArgumentList.Add(arg);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        // Generous: on a busy 2-core machine (parallel builds) node alone can take tens of seconds to start Azurite.
        foreach (var port in new[] { BlobPort, QueuePort, TablePort })
        {
            while (!await CanConnect(port))
            {
                if (_process.HasExited || DateTime.UtcNow > deadline)
                {
                    return (false, port, _process.HasExited);
                }

                await Task.Delay(100);
            }
        }

        return (true, 0, false);
    }

    /// <summary>SIGSTOP: the kernel still accepts connections and nothing answers, as a hung storage account.</summary>
    public void Freeze() => Signal(SigStop);

    /// <summary>SIGCONT: answers again, including what arrived while frozen.</summary>
    public void Thaw() => Signal(SigCont);

    /// <summary>Kills Azurite: from here on every request is refused. Its in-memory data is gone, so this ends a test class's use of it.</summary>
    public Task StopAsync() => DisposeAsync();

    private const int SigCont = 18;
    private const int SigStop = 19;

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    private void Signal(int signal)
    {
        if (_process is not { HasExited: false } || kill(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"Could not send signal {signal} to Azurite (errno {Marshal.GetLastPInvokeError()}).");
        }
    }

    public Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }

        _process?.Dispose();
        _process = null;
        return Task.CompletedTask;
    }

    private static async Task<bool> CanConnect(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
