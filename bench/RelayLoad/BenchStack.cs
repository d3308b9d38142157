using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using AgentOS.Voice.Agents;
using AgentOS.Voice.Bench.Common;
using AgentOS.Voice.Calls;
using AgentOS.Voice.Storage;
using AgentOS.Voice.TestSupport;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;

namespace AgentOS.Voice.Bench.RelayLoad;

/// <summary>
/// The processes under test, each started as it runs in production (Release build, settings in environment variables;
/// RelayHost also with the runtime settings its container image carries): an in-memory Azurite, the fake LLM and
/// RelayHost, plus the one agent the sessions call (provider openai, pointed at the fake so the product's real
/// HTTP/SSE path runs).
/// </summary>
internal sealed class BenchStack : IAsyncDisposable
{
    public const string AuthToken = "bench-auth-token";
    public const string AgentId = "bench";

    private readonly BenchProcesses _processes = new();
    private DirectoryInfo? _certificateFolder;

    public int RelayPort { get; private set; }
    /// <summary>Every RelayHost started: one, or with <see cref="LoadOptions.Replicas"/> several behind <see cref="Proxy"/>.</summary>
    public List<(Process Process, int Port)> Relays { get; } = [];
    public NginxFront? Proxy { get; private set; }
    public int FakePort { get; } = BenchProcesses.FreePort();
    public int FakeControlPort { get; } = BenchProcesses.FreePort();
    public Process Relay { get; private set; } = null!;
    public Process Fake { get; private set; } = null!;
    public Process Azurite { get; private set; } = null!;
    /// <summary>With <see cref="LoadOptions.Events"/>: the Web PubSub RelayHost publishes to, in this process.</summary>
    public WebPubSubStandIn.WebPubSubStandIn? Events { get; private set; }
    public const string TicketSecret = "bench-relay-ticket-secret-not-a-secret";

    /// <summary>
    /// The relay URL the Functions app would give Twilio for <paramref name="callId"/>: the agent's socket on the one
    /// RelayHost, or on the proxy in front of the replicas (their public URL), with the call's ticket, here valid for
    /// an hour because a large run connects its sessions over minutes.
    /// </summary>
    public string RelayWsUrl(string callId) =>
        PublicRelayBase + RelayRoute.Path(AgentId) + RelayTickets.Query(TicketSecret, AgentId, callId, 1, DateTimeOffset.UtcNow.AddHours(1));
    private string PublicRelayBase => Proxy is null ? $"ws://127.0.0.1:{RelayPort}" : $"ws://127.0.0.1:{Proxy.Port}";
    /// <summary>The fake's /stats and /healthz, always plain http.</summary>
    public string FakeControlUrl => $"http://127.0.0.1:{FakeControlPort}";

    public async Task StartAsync(string root, LoadOptions options, CancellationToken cancellationToken)
    {
        var tls = options.LlmTransport != LlmTransport.Plain;
        var llmUrl = $"{(tls ? "https" : "http")}://127.0.0.1:{FakePort}";
        var fakeEnvironment = new Dictionary<string, string>
        {
            ["Kestrel__Endpoints__Llm__Url"] = llmUrl,
            ["Kestrel__Endpoints__Control__Url"] = FakeControlUrl,
            ["FakeLlm__TtftMs"] = options.TtftMs.ToString(CultureInfo.InvariantCulture),
            ["FakeLlm__TokensPerSecond"] = options.TokensPerSecond.ToString(CultureInfo.InvariantCulture),
            ["FakeLlm__Tokens"] = options.Tokens.ToString(CultureInfo.InvariantCulture),
        };
        string? trustedCertificates = null;
        if (tls)
        {
            // The tests' in-memory certificate for 127.0.0.1: the fake serves it, and RelayHost trusts it through
            // OpenSSL's SSL_CERT_FILE, so the product's HttpClient validates it as it would a provider's.
            _certificateFolder = Directory.CreateTempSubdirectory("relay-load-tls-");
            var pfx = Path.Combine(_certificateFolder.FullName, "fake-llm.pfx");
            var pem = Path.Combine(_certificateFolder.FullName, "fake-llm.pem");
            await File.WriteAllBytesAsync(pfx, TestCertificate.Loopback.Export(X509ContentType.Pkcs12), cancellationToken);
            await File.WriteAllTextAsync(pem, TestCertificate.Loopback.ExportCertificatePem(), cancellationToken);
            fakeEnvironment["Kestrel__Endpoints__Llm__Certificate__Path"] = pfx;
            fakeEnvironment["Kestrel__Endpoints__Llm__Protocols"] = options.LlmTransport == LlmTransport.H2 ? "Http1AndHttp2" : "Http1";
            trustedCertificates = pem;
        }

        var fake = BenchProcesses.ReleaseDll(root, "bench/FakeLlm", "fake-llm.dll");
        Fake = _processes.Start("fake-llm", "dotnet", [fake], fakeEnvironment, Path.GetDirectoryName(fake));
        (Azurite, var connectionString) = await _processes.StartAzuriteAsync(root, cancellationToken);
        await SeedAgentAsync(connectionString, options.Preemptive == true, cancellationToken);

        if (options.Events)
        {
            Events = new WebPubSubStandIn.WebPubSubStandIn(new WebPubSubStandIn.WebPubSubStandInOptions());
            await Events.StartAsync(cancellationToken);
        }

        using var http = new HttpClient();
        var relay = BenchProcesses.ReleaseDll(root, "src/RelayHost", "AgentOS.Voice.RelayHost.dll");
        var imageEnvironment = ImageEnvironment(root).ToList();
        Console.WriteLine($"relayhost runtime settings from its image: {(imageEnvironment.Count == 0 ? "none" : string.Join(' ', imageEnvironment.Select(e => $"{e.Key}={e.Value}")))}");
        Console.WriteLine($"relayhost GC and thread-pool settings from its runtimeconfig: {string.Join(' ', RuntimeConfigSettings(relay).Select(e => $"{e.Key}={e.Value}"))}");
        if (options.Replicas > 1)
        {
            // The replicas' public URL is the proxy's, as it is the load balancer's in Azure: Twilio signs that URL.
            Proxy = new NginxFront(BenchProcesses.FreePort());
        }

        for (var replica = 0; replica < options.Replicas; replica++)
        {
            await StartRelayAsync(http, relay, imageEnvironment, connectionString, llmUrl, trustedCertificates, options, cancellationToken);
        }

        Relay = Relays[0].Process;
        if (Proxy is not null)
        {
            Proxy.Start(_processes, Relays.Select(r => r.Port));
            await BenchProcesses.WaitForPortAsync(Proxy.Port, Proxy.Process!, cancellationToken);
        }

        await BenchProcesses.WaitForHealthAsync(http, $"{FakeControlUrl}/healthz", Fake, cancellationToken);
    }

    private async Task StartRelayAsync(HttpClient http, string relay, List<(string Key, string Value)> imageEnvironment, string connectionString, string llmUrl,
        string? trustedCertificates, LoadOptions options, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            // Picked just before the start: a port found free is only reserved once RelayHost binds it, and the
            // longer it waits the likelier another socket (an outgoing connection's ephemeral port) takes it first.
            RelayPort = BenchProcesses.FreePort();
            var process = _processes.Start($"relayhost{(Relays.Count == 0 ? "" : Relays.Count + 1)}", "dotnet", [relay],
                RelayEnvironment(imageEnvironment, connectionString, llmUrl, trustedCertificates, options), Path.GetDirectoryName(relay));
            try
            {
                await BenchProcesses.WaitForHealthAsync(http, $"http://127.0.0.1:{RelayPort}/healthz", process, cancellationToken);
                Relays.Add((process, RelayPort));
                return;
            }
            catch (InvalidOperationException) when (process.HasExited && attempt < 3)
            {
                Console.WriteLine($"RelayHost did not start on port {RelayPort} (its output is above); trying another port");
            }
        }
    }

    /// <summary>SIGTERM to one replica, as Container Apps stops one: it drains, then exits.</summary>
    public Task StopRelayGracefullyAsync(Process relay, TimeSpan timeout) => _processes.StopGracefullyAsync(relay, timeout);

    private Dictionary<string, string> RelayEnvironment(IEnumerable<(string Key, string Value)> imageEnvironment, string connectionString, string llmUrl, string? trustedCertificates, LoadOptions options)
    {
        var relayEnvironment = new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{RelayPort}",
            ["Storage__ConnectionString"] = connectionString,
            ["Twilio__AccountSid"] = "AC00000000000000000000000000000000",
            ["Twilio__AuthToken"] = AuthToken,
            ["PublicUrls__RelayBaseUrl"] = PublicRelayBase,
            ["RelayTickets__Secret"] = TicketSecret,
            ["PublicUrls__FunctionsBaseUrl"] = "http://127.0.0.1:1",
            ["Llm__OpenAI__BaseUrl"] = llmUrl + "/v1",
            ["Llm__OpenAI__ApiKey"] = "sk-bench",
            ["RelayHost__MaxSessions"] = (options.ReplicaCap ?? 100_000).ToString(CultureInfo.InvariantCulture),
            ["RelayHost__DrainTimeout"] = options.DrainTimeout.ToString("c", CultureInfo.InvariantCulture),
            // Without it RelayHost makes no events at all (the off side of the comparison).
            ["Events__WebPubSubConnectionString"] = Events?.ConnectionString ?? "",
            // Azurite is one Node thread on these same two cores: parallel record writes only add contention (docs/decisions.md).
            ["CallRecorder__Writers"] = "1",
        };
        if (trustedCertificates is not null)
        {
            relayEnvironment["SSL_CERT_FILE"] = trustedCertificates;
        }

        foreach (var (key, value) in imageEnvironment)
        {
            relayEnvironment[key] = value;
        }

        EnvironmentSettings.ApplyTo(relayEnvironment, options.RelayEnvironment);

        return relayEnvironment;
    }

    /// <summary>
    /// The environment RelayHost's container image sets (its project's <c>ContainerEnvironmentVariable</c> items, which
    /// <c>PublishContainer</c> writes into the image), read from the project so the benchmark cannot drift from it.
    /// </summary>
    private static IEnumerable<(string Key, string Value)> ImageEnvironment(string root) =>
        XDocument.Load(Path.Combine(root, "src/RelayHost/AgentOS.Voice.RelayHost.csproj"))
            .Descendants("ContainerEnvironmentVariable")
            .Select(item => ((string?)item.Attribute("Include") ?? throw new InvalidDataException("A ContainerEnvironmentVariable without Include"),
                (string?)item.Attribute("Value") ?? ""));

    /// <summary>The GC and thread-pool settings the build wrote into RelayHost's runtimeconfig (project properties such as <c>ThreadPoolSpinCount</c>).</summary>
    private static IEnumerable<(string Key, string Value)> RuntimeConfigSettings(string dll)
    {
        var config = JsonNode.Parse(File.ReadAllText(Path.ChangeExtension(dll, ".runtimeconfig.json")))?["runtimeOptions"]?["configProperties"]?.AsObject();
        return config is null ? [] : config
            .Where(p => p.Key.StartsWith("System.GC.", StringComparison.Ordinal) || p.Key.StartsWith("System.Threading.", StringComparison.Ordinal))
            .Select(p => (p.Key, p.Value?.ToJsonString() ?? "null"));
    }

    private static async Task SeedAgentAsync(string connectionString, bool preemptive, CancellationToken cancellationToken)
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
            PreemptiveGeneration = preemptive,
        }, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        _processes.Dispose();
        _certificateFolder?.Delete(recursive: true);
        if (Events is not null)
        {
            await Events.DisposeAsync();
        }
    }
}
