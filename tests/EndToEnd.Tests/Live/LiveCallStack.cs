using System.Net;
using AgentOS.Voice.Agents;
using AgentOS.Voice.Calls;
using AgentOS.Voice.Simulator;
using AgentOS.Voice.Simulator.Calls;
using AgentOS.Voice.Simulator.Relay;
using AgentOS.Voice.Storage;
using AgentOS.Voice.TestSupport;
using Azure.Storage.Queues;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

using FunctionsApp = AgentOS.Voice.FunctionsRunner.LocalFunctionsHost;

namespace AgentOS.Voice.EndToEnd.Tests.Live;

/// <summary>
/// The whole live-call system on loopback, for end-to-end tests: Azurite, the Functions app and RelayHost each on
/// its own real Kestrel port (sharing one storage name prefix), the phone simulator as Twilio, and an OpenAI-compatible
/// fake for agents whose provider matters. Agents use the scripted model unless a test says otherwise; its pace
/// (Llm:Scripted:TokenDelay) is slow enough that an interrupt lands mid-answer. Use as a class fixture.
/// </summary>
public sealed class LiveCallStack : IAsyncLifetime
{
    public const string AuthToken = "live-e2e-auth-token";
    public const string TicketSecret = "live-e2e-relay-ticket-secret-not-a-secret";
    public const string AccountSid = "AC0123456789abcdef0123456789abcdef";
    public const string ApiKey = "live-e2e-management-key-0123456789";
    public static readonly TimeSpan ScriptedTokenDelay = TimeSpan.FromMilliseconds(40);

    private readonly AzuriteFixture _azurite = new();
    private readonly string _prefix = "live" + Guid.NewGuid().ToString("n")[..10];
    private AppOnPort<FunctionsApp>? _functions;
    private AppOnPort<AgentOS.Voice.RelayHost.Program>? _relay;

    public PhoneSimulator Simulator { get; private set; } = null!;
    public FakeOpenAiServer OpenAi { get; private set; } = null!;

    /// <summary>http://127.0.0.1:port of the Functions app (also its PublicUrls:FunctionsBaseUrl).</summary>
    public string FunctionsBaseUrl => _functions!.BaseUrl;

    /// <summary>ws://127.0.0.1:port of RelayHost (also its PublicUrls:RelayBaseUrl).</summary>
    public string RelayBaseUrl => "ws" + _relay!.BaseUrl["http".Length..];

    public IAgentStore Agents => _functions!.Services.GetRequiredService<IAgentStore>();
    public ICallStore Calls => _functions!.Services.GetRequiredService<ICallStore>();

    /// <summary>The Functions app's queue <paramref name="name"/>, under the stack's name prefix.</summary>
    public QueueClient Queue(string name) => _functions!.Services.GetRequiredService<QueueServiceClient>()
        .GetPrefixedQueueClient(_functions.Services.GetRequiredService<IOptions<StorageOptions>>().Value, name);

    public async Task InitializeAsync()
    {
        await _azurite.InitializeAsync();
        OpenAi = await FakeOpenAiServer.StartAsync();
        Simulator = new PhoneSimulator(new PhoneSimulatorOptions { AccountSid = AccountSid, AuthToken = AuthToken, TimeScale = 0.02 });
        await Simulator.StartAsync();

        var functionsPort = FreePort.Next();
        var relayPort = FreePort.Next();
        var shared = new Dictionary<string, string>
        {
            ["Storage:ConnectionString"] = _azurite.ConnectionString,
            ["Storage:NamePrefix"] = _prefix,
            ["Twilio:AccountSid"] = AccountSid,
            ["Twilio:AuthToken"] = AuthToken,
            ["PublicUrls:FunctionsBaseUrl"] = $"http://127.0.0.1:{functionsPort}",
            ["PublicUrls:RelayBaseUrl"] = $"ws://127.0.0.1:{relayPort}",
            ["RelayTickets:Secret"] = TicketSecret,
            // Agents' tools and outcome webhooks are test servers on 127.0.0.1. Outcomes:RequestDelay keeps its 5 s:
            // it is what lets RelayHost's last record and transcript writes land before the outcome is made.
            ["AgentEndpoints:AllowLoopback"] = "true",
        };
        _relay = new AppOnPort<AgentOS.Voice.RelayHost.Program>(relayPort, new Dictionary<string, string>(shared)
        {
            ["Llm:Scripted:TokenDelay"] = ScriptedTokenDelay.ToString(),
            ["Llm:OpenAI:ApiKey"] = "sk-fake-for-tests",
            ["Llm:OpenAI:BaseUrl"] = OpenAi.BaseUrl,
        });
        _functions = new AppOnPort<FunctionsApp>(functionsPort, new Dictionary<string, string>(shared)
        {
            ["Twilio:ApiBaseUrl"] = Simulator.BaseUrl,
            ["Twilio:CallsPerSecond"] = "100",
            ["ManagementApi:ApiKeys:0"] = ApiKey,
            // host.json's queue settings, overridden as app settings override them for the Functions host.
            ["AzureFunctionsJobHost:extensions:queues:visibilityTimeout"] = "00:00:00.200",
            ["AzureFunctionsJobHost:extensions:queues:maxPollingInterval"] = "00:00:00.200",
        });
    }

    /// <summary>A new agent on the scripted model, with a fresh id and number; <paramref name="change"/> adjusts it.</summary>
    public async Task<Agent> CreateAgentAsync(Func<Agent, Agent>? change = null)
    {
        var id = "e2e-" + Guid.NewGuid().ToString("n")[..8];
        var agent = new Agent
        {
            Id = id,
            Name = "Front desk",
            PhoneNumber = "+1415555" + Random.Shared.Next(1000, 9999),
            TransferNumber = "+14155550199",
            Greeting = "Hello, this is the front desk.",
        };
        return await Agents.CreateAsync(change is null ? agent : change(agent));
    }

    public HttpClient ManagementClient()
    {
        var client = new HttpClient { BaseAddress = new Uri(FunctionsBaseUrl) };
        client.DefaultRequestHeaders.Add("x-api-key", ApiKey);
        return client;
    }

    /// <summary>The simulator dials the agent's number: Twilio requests incoming-call and runs what it gets back.</summary>
    public async Task<SimulatedCall> CallAgentAsync(Agent agent, CallerScript script, string from = "+14155550123")
    {
        var call = await Simulator.PlaceInboundCallAsync(from, agent.PhoneNumber, $"{FunctionsBaseUrl}/agents/{agent.Id}/incoming-call", script);
        return await WaitUntilFinishedAsync(call.Sid);
    }

    public Task<SimulatedCall> WaitUntilFinishedAsync(string callSid) =>
        Simulator.WaitForCallAsync(c => c.Sid == callSid && c.IsFinished, TimeSpan.FromSeconds(60));

    /// <summary>Waits for the stored record to satisfy <paramref name="done"/> (both apps write it in the background).</summary>
    public async Task<CallRecord> WaitForRecordAsync(string callId, Func<CallRecord, bool> done, string what)
    {
        CallRecord? last = null;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            last = await Calls.GetCallAsync(callId);
            if (last is not null && done(last))
            {
                return last;
            }

            await Task.Delay(50);
        }

        throw new Xunit.Sdk.XunitException($"Call {callId}: timed out waiting for {what}; last record: {last}");
    }

    public async Task<IReadOnlyList<TranscriptTurn>> WaitForTranscriptAsync(string callId, int turns)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var transcript = await Calls.GetTranscriptAsync(callId);
            if (transcript.Count >= turns || DateTime.UtcNow > deadline)
            {
                return transcript;
            }

            await Task.Delay(50);
        }
    }

    public async Task DisposeAsync()
    {
        if (_functions is not null)
        {
            await _functions.DisposeAsync();
        }

        if (_relay is not null)
        {
            await _relay.DisposeAsync();
        }

        await Simulator.DisposeAsync();
        await OpenAi.DisposeAsync();
        await _azurite.DisposeAsync();
    }

    /// <summary>
    /// One of our apps, unchanged, listening on a real loopback port with the given settings. The type argument only
    /// names the app's assembly: the apps' top-level Program classes are all global::Program, so another public type
    /// of the assembly stands for it (the Functions app is served by the local Functions runner).
    /// </summary>
    private sealed class AppOnPort<TEntryPoint> : WebApplicationFactory<TEntryPoint>
        where TEntryPoint : class
    {
        private readonly IReadOnlyDictionary<string, string> _settings;

        public AppOnPort(int port, IReadOnlyDictionary<string, string> settings)
        {
            _settings = settings;
            BaseUrl = $"http://127.0.0.1:{port}";
            UseKestrel(o => o.Listen(IPAddress.Loopback, port));
            StartServer();
        }

        public string BaseUrl { get; }

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            foreach (var (key, value) in _settings)
            {
                builder.UseSetting(key, value);
            }
        }
    }
}
