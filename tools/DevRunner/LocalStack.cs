using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;

namespace AgentOS.Voice.DevRunner;

/// <summary>
/// The whole product on one machine: Azurite, the Web PubSub stand-in, the Functions app (served by the local Functions
/// runner), RelayHost and the phone simulator as Twilio, each a real process wired to the others through the same
/// settings it reads in Azure.
/// </summary>
internal sealed class LocalStack(string root, LocalPorts ports, string dataFolder) : IAsyncDisposable
{
    // Local-only values: the simulator accepts exactly these, and nothing real is reachable from here.
    public const string AccountSid = "AC00000000000000000000000000000000";
    public const string AuthToken = "local-dev-auth-token";
    public const string ApiKey = "local-dev-management-key";

    /// <summary>The functions runner's master key: runs a timer function now through /admin/functions/{name}.</summary>
    public const string MasterKey = "local-dev-master-key";
    public const string AgentId = "demo";
    public const string AgentNumber = "+15550000002";

    /// <summary>The stand-in's key: it listens on loopback only, so a fixed local key is no secret.</summary>
    private const string EventsAccessKey = "bG9jYWwtd2VicHVic3ViLXN0YW5kLWluLWtleS0wMDA=";

    private readonly List<ChildProcess> _children = [];
    private readonly DemoToolServer _tools = new(ports.Tools);
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public string FunctionsUrl => $"http://127.0.0.1:{ports.Functions}";
    public string RelayUrl => $"ws://127.0.0.1:{ports.Relay}";
    public string SimulatorUrl => $"http://127.0.0.1:{ports.Simulator}";
    public string EventsUrl => $"http://127.0.0.1:{ports.Events}";
    public string IncomingCallWebhook => $"{FunctionsUrl}/agents/{AgentId}/incoming-call";

    /// <summary>The demo agent's tools and outcome receiver.</summary>
    public DemoToolServer Tools => _tools;

    public async Task StartAsync(bool quiet, CancellationToken cancellationToken)
    {
        foreach (var port in ports.All)
        {
            if (!IsFree(port))
            {
                throw new InvalidOperationException($"Port {port} is in use: stop what holds it or pick other ports (see --help).");
            }
        }

        Step($"Azurite (storage) in {dataFolder}");
        Directory.CreateDirectory(dataFolder);
        _children.Add(ChildProcess.Start("azurite", "node",
        [
            Path.Combine(root, "node_modules", "azurite", "dist", "src", "azurite.js"), "--silent", "--skipApiVersionCheck", "--loose",
            "--location", dataFolder,
            "--blobHost", "127.0.0.1", "--queueHost", "127.0.0.1", "--tableHost", "127.0.0.1",
            "--blobPort", ports.Blob.ToString(), "--queuePort", ports.Queue.ToString(), "--tablePort", ports.Table.ToString(),
        ], new Dictionary<string, string>()));
        await WaitForPortAsync(ports.Table, "Azurite", cancellationToken);

        // Started before the apps: their event publishers send to it from the first call on.
        Step($"Web PubSub stand-in (live events) on {EventsUrl}");
        _children.Add(ChildProcess.Start("webpubsub", "dotnet",
            [AppDll("tools/WebPubSubStandIn", "webpubsub-standin.dll"), "--port", ports.Events.ToString(), "--access-key", EventsAccessKey],
            new Dictionary<string, string>(), quiet));
        await WaitForPortAsync(ports.Events, "Web PubSub stand-in", cancellationToken);

        var shared = SharedSettings();
        Step($"Functions app on {FunctionsUrl}");
        _children.Add(ChildProcess.Start("functions", "dotnet",
            [AppDll("tools/FunctionsRunner", "functions-runner.dll")],
            With(With(shared, "ASPNETCORE_URLS", FunctionsUrl), "Console__SoftphoneUrl", $"ws://127.0.0.1:{ports.Simulator}/sim/softphone"), quiet));
        Step($"RelayHost on {RelayUrl}");
        _children.Add(ChildProcess.Start("relay", "dotnet",
            [AppDll("src/RelayHost", "AgentOS.Voice.RelayHost.dll")],
            With(shared, "ASPNETCORE_URLS", $"http://127.0.0.1:{ports.Relay}"), quiet));
        Step($"Phone simulator (plays Twilio) on {SimulatorUrl}");
        _children.Add(ChildProcess.Start("phone", "dotnet",
        [
            SimulatorDll,
            "serve", "--port", ports.Simulator.ToString(), "--account-sid", AccountSid, "--auth-token", AuthToken, "--time-scale", "1",
            "--softphone-webhook", $"{FunctionsUrl}/agents/{{agentId}}/incoming-call", "--softphone-origin", FunctionsUrl,
        ], new Dictionary<string, string>()));

        await WaitForHealthAsync($"{FunctionsUrl}/healthz", "Functions app", cancellationToken);
        await WaitForHealthAsync($"http://127.0.0.1:{ports.Relay}/healthz", "RelayHost", cancellationToken);
        await WaitForHealthAsync($"{SimulatorUrl}/sim/calls", "phone simulator", cancellationToken);
        await _tools.StartAsync(cancellationToken);
        Step($"Demo agent's tools and outcome receiver on {_tools.BaseUrl}");
        await SeedDemoAgentAsync(cancellationToken);
    }

    /// <summary>Runs a phone-sim command (talk, call) in this console and returns its exit code.</summary>
    public async Task<int> RunSimulatorAsync(IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, WorkingDirectory = root };
        start.ArgumentList.Add(SimulatorDll);
        foreach (var argument in arguments.Concat(["--auth-token", AuthToken, "--account-sid", AccountSid]))
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        await process.WaitForExitAsync(cancellationToken);
        return process.ExitCode;
    }

    public HttpRequestMessage ManagementRequest(HttpMethod method, string path, object? body = null)
    {
        var request = new HttpRequestMessage(method, FunctionsUrl + path);
        request.Headers.Add("x-api-key", ApiKey);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return request;
    }

    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        _http.SendAsync(request, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        foreach (var child in Enumerable.Reverse(_children))
        {
            child.Dispose();
        }

        await _tools.DisposeAsync();
        _http.Dispose();
    }

    private string SimulatorDll => AppDll("tools/PhoneSimulator", "phone-sim.dll");

    // The runner is built in the same configuration as the apps it references (bin/<Configuration>/net10.0/).
    private string AppDll(string project, string dll)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        return Path.Combine(root, project, "bin", configuration, "net10.0", dll);
    }

    private Dictionary<string, string> SharedSettings() => new()
    {
        ["Storage__ConnectionString"] =
            "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
            "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
            $"BlobEndpoint=http://127.0.0.1:{ports.Blob}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{ports.Queue}/devstoreaccount1;" +
            $"TableEndpoint=http://127.0.0.1:{ports.Table}/devstoreaccount1;",
        ["Twilio__AccountSid"] = AccountSid,
        ["Twilio__AuthToken"] = AuthToken,
        ["Twilio__ApiBaseUrl"] = SimulatorUrl,
        ["PublicUrls__FunctionsBaseUrl"] = FunctionsUrl,
        ["PublicUrls__RelayBaseUrl"] = RelayUrl,
        ["RelayTickets__Secret"] = "local-dev-relay-ticket-secret-not-a-secret",
        // Both apps publish live events to the stand-in; the console's negotiate gives browsers ws:// URLs to it.
        ["Events__WebPubSubConnectionString"] = $"Endpoint={EventsUrl};AccessKey={EventsAccessKey};Version=1.0;",
        ["ManagementApi__ApiKeys__0"] = ApiKey,
        ["FunctionsRunner__MasterKey"] = MasterKey,
        // The demo agent's tools and outcome webhook are served on 127.0.0.1 by this runner.
        ["AgentEndpoints__AllowLoopback"] = "true",
        ["Llm__Scripted__TokenDelay"] = "00:00:00.060",
        ["Logging__LogLevel__Default"] = "Warning",
        ["Logging__LogLevel__AgentOS"] = "Information",
        // Errors go to stderr, which --quiet never hides (it hides the apps' stdout, where the rest goes).
        ["Logging__Console__LogToStandardErrorThreshold"] = "Error",
        ["DOTNET_ENVIRONMENT"] = "Development",
        ["ASPNETCORE_ENVIRONMENT"] = "Development",
    };

    private async Task SeedDemoAgentAsync(CancellationToken cancellationToken)
    {
        var agent = DemoAgent.Create(_tools.BaseUrl);
        using var create = await SendAsync(ManagementRequest(HttpMethod.Post, "/api/agents", agent), cancellationToken);
        if (create.StatusCode == HttpStatusCode.Conflict)
        {
            using var update = await SendAsync(ManagementRequest(HttpMethod.Put, $"/api/agents/{AgentId}", agent), cancellationToken);
            await EnsureSuccessAsync(update, "update the demo agent", cancellationToken);
        }
        else
        {
            await EnsureSuccessAsync(create, "create the demo agent", cancellationToken);
        }

        // The agent JSON never carries the signing secret; the owner's systems read it through the management API.
        using var secret = await SendAsync(ManagementRequest(HttpMethod.Get, $"/api/agents/{AgentId}/webhook-secret"), cancellationToken);
        await EnsureSuccessAsync(secret, "read the demo agent's webhook secret", cancellationToken);
        _tools.Secret = (await secret.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>(cancellationToken))?["secret"]?.GetValue<string>();
        Step($"Demo agent '{AgentId}' ({AgentNumber}) ready");
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new InvalidOperationException($"Could not {what}: {(int)response.StatusCode} {body}");
        }
    }

    private async Task WaitForHealthAsync(string url, string what, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            ThrowIfAChildDied();
            try
            {
                using var response = await _http.GetAsync(url, cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    Step($"{what} is up");
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{what} did not answer {url} within 60 s; see its log lines above.");
            }

            await Task.Delay(200, cancellationToken);
        }
    }

    private async Task WaitForPortAsync(int port, string what, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (IsFree(port))
        {
            ThrowIfAChildDied();
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{what} did not listen on {port} within 30 s.");
            }

            await Task.Delay(100, cancellationToken);
        }

        Step($"{what} is up");
    }

    private void ThrowIfAChildDied()
    {
        if (_children.FirstOrDefault(c => c.HasExited) is { } dead)
        {
            throw new InvalidOperationException($"{dead.Name} exited during start-up; its log lines are above.");
        }
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static Dictionary<string, string> With(Dictionary<string, string> settings, string key, string value) =>
        new(settings) { [key] = value };

    internal static void Step(string text) => Console.WriteLine($"» {text}");
}

internal sealed record LocalPorts(
    int Functions = 7071, int Relay = 7072, int Simulator = 5050, int Blob = 10000, int Queue = 10001, int Table = 10002, int Tools = 7073,
    int Events = 7074)
{
    public IEnumerable<int> All => [Functions, Relay, Simulator, Blob, Queue, Table, Tools, Events];
}
