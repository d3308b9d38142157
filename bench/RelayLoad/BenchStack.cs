using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using AgentOS.Voice.Agents;
using AgentOS.Voice.Storage;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;

namespace AgentOS.Voice.Bench.RelayLoad;

/// <summary>
/// The processes under test, each started as it runs in production (Release build, settings in environment variables):
/// an in-memory Azurite, the fake LLM and RelayHost, plus the one agent the sessions call (provider openai, pointed at
/// the fake so the SDK's real HTTP/SSE path runs).
/// </summary>
internal sealed class BenchStack : IAsyncDisposable
{
    public const string AuthToken = "bench-auth-token";
    public const string AgentId = "bench";
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly List<Process> _processes = [];
    private readonly int _tablePort = FreePort();
    private readonly int _blobPort = FreePort();
    private readonly int _queuePort = FreePort();

    public int RelayPort { get; } = FreePort();
    public int FakePort { get; } = FreePort();
    public Process Relay { get; private set; } = null!;
    public Process Fake { get; private set; } = null!;
    public Process Azurite { get; private set; } = null!;
    public string RelayWsUrl => $"ws://127.0.0.1:{RelayPort}/agents/{AgentId}/ws";
    public string FakeUrl => $"http://127.0.0.1:{FakePort}";

    private string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};" +
        $"BlobEndpoint=http://127.0.0.1:{_blobPort}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{_queuePort}/devstoreaccount1;" +
        $"TableEndpoint=http://127.0.0.1:{_tablePort}/devstoreaccount1;";

    public async Task StartAsync(string root, LoadOptions options, CancellationToken cancellationToken)
    {
        Azurite = Start("node",
        [
            Path.Combine(root, "node_modules", "azurite", "dist", "src", "azurite.js"), "--silent", "--inMemoryPersistence",
            "--skipApiVersionCheck", "--loose", "--blobHost", "127.0.0.1", "--queueHost", "127.0.0.1", "--tableHost", "127.0.0.1",
            "--blobPort", _blobPort.ToString(), "--queuePort", _queuePort.ToString(), "--tablePort", _tablePort.ToString(),
        ], []);
        Fake = Start("dotnet", [Dll(root, "bench/FakeLlm", "fake-llm.dll")], new()
        {
            ["ASPNETCORE_URLS"] = FakeUrl,
            ["FakeLlm__TtftMs"] = options.TtftMs.ToString(),
            ["FakeLlm__TokensPerSecond"] = options.TokensPerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["FakeLlm__Tokens"] = options.Tokens.ToString(),
        });
        await WaitForPortAsync(_tablePort, Azurite, cancellationToken);
        await SeedAgentAsync(cancellationToken);

        Relay = Start("dotnet", [Dll(root, "src/RelayHost", "AgentOS.Voice.RelayHost.dll")], new()
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{RelayPort}",
            ["Storage__ConnectionString"] = ConnectionString,
            ["Twilio__AccountSid"] = "AC00000000000000000000000000000000",
            ["Twilio__AuthToken"] = AuthToken,
            ["PublicUrls__RelayBaseUrl"] = $"ws://127.0.0.1:{RelayPort}",
            ["PublicUrls__FunctionsBaseUrl"] = "http://127.0.0.1:1",
            ["Llm__OpenAI__BaseUrl"] = FakeUrl + "/v1",
            ["Llm__OpenAI__ApiKey"] = "sk-bench",
            ["RelayHost__MaxSessions"] = "100000",
            ["Logging__LogLevel__Default"] = "Warning",
        });
        using var http = new HttpClient();
        await WaitForHealthAsync(http, $"http://127.0.0.1:{RelayPort}/healthz", Relay, cancellationToken);
        await WaitForHealthAsync(http, $"{FakeUrl}/healthz", Fake, cancellationToken);
    }

    private async Task SeedAgentAsync(CancellationToken cancellationToken)
    {
        var store = new TableAgentStore(new TableServiceClient(ConnectionString), Options.Create(new StorageOptions()), TimeProvider.System);
        await store.CreateAsync(new Agent
        {
            Id = AgentId,
            Name = "Bench agent",
            PhoneNumber = "+15550000100",
            Greeting = "Hello, bench here.",
            SystemPrompt = "You are a load-test agent.",
            Llm = new LlmSettings { Provider = LlmProviders.OpenAI, Model = "fake-model", MaxOutputTokens = 300 },
            // Key 1 says a fixed text without the model: DTMF is exercised on every session without adding model turns.
            DtmfMenu = new Dictionary<string, DtmfAction> { ["1"] = new(DtmfActionKind.Say, "We are open nine to five.") },
        }, cancellationToken);
    }

    private Process Start(string file, string[] arguments, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
        var name = Path.GetFileName(arguments.FirstOrDefault() ?? file);
        process.OutputDataReceived += (_, e) => Echo(name, e.Data);
        process.ErrorDataReceived += (_, e) => Echo(name, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes.Add(process);
        return process;
    }

    // Only warnings and errors reach here (Logging:LogLevel:Default=Warning); they belong in the run's output.
    private static void Echo(string name, string? line)
    {
        if (!string.IsNullOrWhiteSpace(line))
        {
            Console.Error.WriteLine($"[{name}] {line}");
        }
    }

    private static string Dll(string root, string project, string dll)
    {
        var path = Path.Combine(root, project, "bin", "Release", "net10.0", dll);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is missing: build it with `dotnet build -c Release {project}`.");
    }

    private static async Task WaitForPortAsync(int port, Process process, CancellationToken cancellationToken)
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
                await Task.Delay(100, cancellationToken);
            }
        }
    }

    private static async Task WaitForHealthAsync(HttpClient http, string url, Process process, CancellationToken cancellationToken)
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

            await Task.Delay(100, cancellationToken);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public ValueTask DisposeAsync()
    {
        foreach (var process in Enumerable.Reverse(_processes))
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }

            process.Dispose();
        }

        return ValueTask.CompletedTask;
    }
}
