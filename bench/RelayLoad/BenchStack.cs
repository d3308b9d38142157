using System.Diagnostics;
using System.Globalization;
using AgentOS.Voice.Agents;
using AgentOS.Voice.Bench.Common;
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

    private readonly BenchProcesses _processes = new();

    public int RelayPort { get; } = BenchProcesses.FreePort();
    public int FakePort { get; } = BenchProcesses.FreePort();
    public Process Relay { get; private set; } = null!;
    public Process Fake { get; private set; } = null!;
    public Process Azurite { get; private set; } = null!;
    public string RelayWsUrl => $"ws://127.0.0.1:{RelayPort}/agents/{AgentId}/ws";
    public string FakeUrl => $"http://127.0.0.1:{FakePort}";

    public async Task StartAsync(string root, LoadOptions options, CancellationToken cancellationToken)
    {
        var fake = BenchProcesses.ReleaseDll(root, "bench/FakeLlm", "fake-llm.dll");
        Fake = _processes.Start("fake-llm", "dotnet", [fake], new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = FakeUrl,
            ["FakeLlm__TtftMs"] = options.TtftMs.ToString(CultureInfo.InvariantCulture),
            ["FakeLlm__TokensPerSecond"] = options.TokensPerSecond.ToString(CultureInfo.InvariantCulture),
            ["FakeLlm__Tokens"] = options.Tokens.ToString(CultureInfo.InvariantCulture),
        }, Path.GetDirectoryName(fake));
        (Azurite, var connectionString) = await _processes.StartAzuriteAsync(root, cancellationToken);
        await SeedAgentAsync(connectionString, cancellationToken);

        var relayEnvironment = new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{RelayPort}",
            ["Storage__ConnectionString"] = connectionString,
            ["Twilio__AccountSid"] = "AC00000000000000000000000000000000",
            ["Twilio__AuthToken"] = AuthToken,
            ["PublicUrls__RelayBaseUrl"] = $"ws://127.0.0.1:{RelayPort}",
            ["PublicUrls__FunctionsBaseUrl"] = "http://127.0.0.1:1",
            ["Llm__OpenAI__BaseUrl"] = FakeUrl + "/v1",
            ["Llm__OpenAI__ApiKey"] = "sk-bench",
            ["RelayHost__MaxSessions"] = "100000",
            // Azurite is one Node thread on these same two cores: parallel record writes only add contention (docs/decisions.md).
            ["CallRecorder__Writers"] = "1",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        foreach (var setting in options.RelayEnvironment)
        {
            var eq = setting.IndexOf('=');
            relayEnvironment[setting[..eq]] = setting[(eq + 1)..];
        }

        var relay = BenchProcesses.ReleaseDll(root, "src/RelayHost", "AgentOS.Voice.RelayHost.dll");
        Relay = _processes.Start("relayhost", "dotnet", [relay], relayEnvironment, Path.GetDirectoryName(relay));
        using var http = new HttpClient();
        await BenchProcesses.WaitForHealthAsync(http, $"http://127.0.0.1:{RelayPort}/healthz", Relay, cancellationToken);
        await BenchProcesses.WaitForHealthAsync(http, $"{FakeUrl}/healthz", Fake, cancellationToken);
    }

    private static async Task SeedAgentAsync(string connectionString, CancellationToken cancellationToken)
    {
        var store = new TableAgentStore(new TableServiceClient(connectionString), Options.Create(new StorageOptions()), TimeProvider.System);
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

    public ValueTask DisposeAsync()
    {
        _processes.Dispose();
        return ValueTask.CompletedTask;
    }
}
