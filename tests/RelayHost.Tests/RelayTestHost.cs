using System.Collections.Concurrent;
using System.Net;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using AgentOS.Voice.Agents;
using AgentOS.Voice.Calls;
using AgentOS.Voice.Llm;
using AgentOS.Voice.Simulator.Signing;
using AgentOS.Voice.TestSupport;
using AgentOS.Voice.Twilio;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace AgentOS.Voice.RelayHost.Tests;

/// <summary>
/// RelayHost on a real Kestrel loopback port with real Azurite; only the agent store (another team's) and the model
/// (a remote provider) are stand-ins. Time is a FakeTimeProvider so idle and drain timers are driven by the test.
/// </summary>
internal sealed class RelayTestHost : WebApplicationFactory<Program>
{
    public const string AuthToken = "relay-test-auth-token";
    public const string PublicBase = "wss://relay.test";
    public const string TicketSecret = "relay-test-ticket-secret-not-a-secret";

    private readonly int _port = FreePort.Next();
    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _services;

    public RelayTestHost(AzuriteFixture azurite, params (string Key, string Value)[] settings)
        : this(azurite, services: null, settings)
    {
    }

    /// <summary>With <paramref name="services"/> applied after the app's own registrations (e.g. in-memory telemetry exporters).</summary>
    public RelayTestHost(AzuriteFixture azurite, Action<IServiceCollection>? services, params (string Key, string Value)[] settings)
    {
        _services = services;
        _settings = new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = azurite.ConnectionString,
            ["Storage:NamePrefix"] = "t" + Guid.NewGuid().ToString("n")[..10],
            ["Twilio:AccountSid"] = "AC" + new string('0', 31) + "1",
            ["Twilio:AuthToken"] = AuthToken,
            ["PublicUrls:RelayBaseUrl"] = PublicBase,
            ["RelayTickets:Secret"] = TicketSecret,
            // The recorder's write delay would run on the fake clock, which these tests move only to drive idle and
            // drain timers; they read stored rows as soon as they are written (the delay has its own tests in Core).
            ["CallRecorder:WriteDelay"] = "00:00:00",
            // Outcome requests visible at once, so a test can see them queued.
            ["Outcomes:RequestDelay"] = "00:00:00",
        };
        foreach (var (key, value) in settings)
        {
            _settings[key] = value;
        }

        UseKestrel(o => o.Listen(IPAddress.Loopback, _port));
        StartServer();
    }

    public FakeTimeProvider Time { get; } = new();
    public MemoryAgentStore Agents { get; } = new();
    public FakeLlmProvider Models { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<TimeProvider>(Time);
            services.AddSingleton<IAgentStore>(Agents);
            services.AddSingleton<ILlmClientProvider>(Models);
            _services?.Invoke(services);
        });
    }

    /// <summary>
    /// Stops the host with the fake clock moving as real time would: shutdown waits on its timers (the drain and close
    /// timeouts, a row's retry after the test's jumps passed its write deadline), which a clock that stands still
    /// never fires, and the host would wait out its whole shutdown timeout.
    /// </summary>
    public override async ValueTask DisposeAsync()
    {
        using var stopped = new CancellationTokenSource();
        var ticking = Task.Run(async () =>
        {
            while (!stopped.IsCancellationRequested)
            {
                Time.Advance(TimeSpan.FromSeconds(1));
                await Task.Delay(10, CancellationToken.None);
            }
        });
        try
        {
            await base.DisposeAsync();
        }
        finally
        {
            await stopped.CancelAsync();
            await ticking;
        }
    }

    public Agent AddAgent(Func<Agent, Agent>? change = null)
    {
        var agent = new Agent { Id = "a" + Guid.NewGuid().ToString("n")[..8], Name = "Front desk", PhoneNumber = "+15005550006", Greeting = "Hello {name}!" };
        agent = change is null ? agent : change(agent);
        Agents.Items[agent.Id] = agent;
        return agent;
    }

    public Uri SocketUri(string agentId, string query = "") => new($"ws://127.0.0.1:{_port}/agents/{agentId}/ws{query}");

    /// <summary>The ticket query the Functions app would put on the relay URL of this call's session.</summary>
    public string Ticket(string agentId, string callId, int attempt = 1, TimeSpan? lifetime = null) =>
        RelayTickets.Query(TicketSecret, agentId, callId, attempt, Time.GetUtcNow() + (lifetime ?? TimeSpan.FromMinutes(2)));

    /// <summary>
    /// Connects as Twilio would to the URL the TwiML gave it: the agent's socket with a ticket for <paramref name="callId"/>
    /// (a new id when null; <paramref name="query"/> replaces the ticket), signed over the public wss URL.
    /// </summary>
    public async Task<TwilioSocket> ConnectAsync(string agentId, string? signature = "sign", string? callId = null, string? query = null)
    {
        callId ??= "c-" + Guid.NewGuid().ToString("n")[..8];
        query ??= Ticket(agentId, callId);
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        if (signature is not null)
        {
            socket.Options.SetRequestHeader(TwilioRequestSigner.HeaderName,
                signature == "sign" ? TwilioRequestSigner.Sign(AuthToken, $"{PublicBase}/agents/{agentId}/ws{query}") : signature);
        }

        try
        {
            await socket.ConnectAsync(SocketUri(agentId, query), CancellationToken.None);
        }
        catch (WebSocketException)
        {
            // The caller inspects HttpStatusCode.
        }

        return new TwilioSocket(socket, agentId, callId);
    }
}

/// <summary>The Twilio side of a ConversationRelay socket, as a test drives it.</summary>
internal sealed class TwilioSocket(ClientWebSocket socket, string agentId, string callId) : IAsyncDisposable
{
    public ClientWebSocket Socket => socket;
    public HttpStatusCode Status => socket.HttpStatusCode;

    /// <summary>The call the socket's ticket is for.</summary>
    public string CallId => callId;

    public Task SendAsync(string json) => socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, true, CancellationToken.None);

    /// <summary>
    /// Twilio's setup with the Parameters of the TwiML that carried the ticket (and <paramref name="traceParent"/> when
    /// given); <paramref name="parameters"/> replaces them (a setup that names another call or agent).
    /// </summary>
    public Task SetupAsync(string direction = "inbound", Dictionary<string, string>? parameters = null, string? traceParent = null)
    {
        parameters ??= new Dictionary<string, string> { ["callId"] = callId, ["agentId"] = agentId };
        if (traceParent is not null)
        {
            parameters["traceparent"] = traceParent;
        }

        return SendAsync(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["type"] = "setup", ["sessionId"] = "VX1", ["accountSid"] = "AC1", ["callSid"] = "CA" + Guid.NewGuid().ToString("n"),
            ["from"] = "+14155552671", ["to"] = "+15005550006", ["direction"] = direction, ["callStatus"] = "RINGING",
            ["customParameters"] = parameters,
        }));
    }

    public Task PromptAsync(string text) => SendAsync(JsonSerializer.Serialize(new { type = "prompt", voicePrompt = text, lang = "en-US", last = true }));

    /// <summary>The next message, or null when the server closed the socket.</summary>
    public async Task<JsonElement?> ReceiveAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var buffer = new byte[16 * 1024];
        var count = 0;
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(count), timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                return null;
            }

            count += result.Count;
            if (result.EndOfMessage)
            {
                using var doc = JsonDocument.Parse(buffer.AsMemory(0, count));
                return doc.RootElement.Clone();
            }
        }
    }

    /// <summary>Messages up to and including the one that ends an answer (text last:true) or the session (end).</summary>
    public async Task<List<JsonElement>> ReceiveAnswerAsync()
    {
        var messages = new List<JsonElement>();
        while (await ReceiveAsync() is { } m)
        {
            messages.Add(m);
            var type = m.GetProperty("type").GetString();
            if (type == "end" || (type == "text" && m.GetProperty("last").GetBoolean()))
            {
                break;
            }
        }

        return messages;
    }

    public async ValueTask DisposeAsync()
    {
        if (socket.State == WebSocketState.Open)
        {
            try
            {
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, new CancellationTokenSource(TimeSpan.FromSeconds(5)).Token);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException)
            {
            }
        }

        socket.Dispose();
    }
}

internal sealed class MemoryAgentStore : IAgentStore
{
    private int _reads;

    public ConcurrentDictionary<string, Agent> Items { get; } = new();
    public int Reads => Volatile.Read(ref _reads);

    /// <summary>Reads made for calls; the app's warm-up read at start is not one.</summary>
    public Task<Agent?> GetAsync(string agentId, CancellationToken cancellationToken = default)
    {
        if (agentId != AgentStoreWarmUp.NoSuchAgent)
        {
            Interlocked.Increment(ref _reads);
        }

        return Task.FromResult(Items.GetValueOrDefault(agentId));
    }

    public Task<IReadOnlyList<Agent>> ListAsync(CancellationToken cancellationToken = default) => Task.FromResult<IReadOnlyList<Agent>>(Items.Values.ToList());

    public Task<Agent> CreateAsync(Agent agent, CancellationToken cancellationToken = default) => Task.FromResult(Items.TryAdd(agent.Id, agent) ? agent : throw new AgentConflictException(agent.Id));

    public Task<Agent?> UpdateAsync(Agent agent, CancellationToken cancellationToken = default) =>
        Task.FromResult(Items.ContainsKey(agent.Id) ? Items[agent.Id] = agent : null);

    public Task<bool> DeleteAsync(string agentId, CancellationToken cancellationToken = default) => Task.FromResult(Items.TryRemove(agentId, out _));
}

/// <summary>One scripted model per agent.</summary>
internal sealed class FakeLlmProvider : ILlmClientProvider
{
    private readonly ConcurrentDictionary<string, ScriptedModel> _models = new();

    public ScriptedModel For(Agent agent) => _models.GetOrAdd(agent.Id, _ => new ScriptedModel());

    public IChatClient GetClient(Agent agent) => For(agent);
}

/// <summary>Answers each request with the next scripted reply (a token list, an endless stream, a tool call, a failure).</summary>
internal sealed class ScriptedModel : IChatClient
{
    private readonly ConcurrentQueue<Func<CancellationToken, IAsyncEnumerable<ChatResponseUpdate>>> _replies = new();
    private int _closed;

    public ConcurrentQueue<List<ChatMessage>> Requests { get; } = new();
    public int StreamsClosed => Volatile.Read(ref _closed);

    public ScriptedModel Reply(params string[] tokens) => Then(ct => Stream(ct, tokens.Select(t => new ChatResponseUpdate(ChatRole.Assistant, t))));

    public ScriptedModel Endless(string prefix) => Then(ct => EndlessStream(prefix, ct));

    public ScriptedModel Failing() => Then(ct => FailingStream(ct));

    public ScriptedModel Tool(string name, string argument, string value) =>
        Then(ct => Stream(ct, [new ChatResponseUpdate(ChatRole.Assistant, [new FunctionCallContent("c1", name, new Dictionary<string, object?> { [argument] = value })])]));

    public ScriptedModel Then(Func<CancellationToken, IAsyncEnumerable<ChatResponseUpdate>> reply)
    {
        _replies.Enqueue(reply);
        return this;
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Requests.Enqueue(messages.ToList());
        var reply = _replies.TryDequeue(out var r) ? r : ct => Stream(ct, [new ChatResponseUpdate(ChatRole.Assistant, "(unscripted)")]);
        try
        {
            await foreach (var update in reply(cancellationToken).WithCancellation(cancellationToken))
            {
                yield return update;
            }
        }
        finally
        {
            Interlocked.Increment(ref _closed);
        }
    }

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }

    private static async IAsyncEnumerable<ChatResponseUpdate> Stream([EnumeratorCancellation] CancellationToken ct, IEnumerable<ChatResponseUpdate> updates)
    {
        foreach (var update in updates)
        {
            await Task.Yield();
            ct.ThrowIfCancellationRequested();
            yield return update;
        }
    }

    private static async IAsyncEnumerable<ChatResponseUpdate> EndlessStream(string prefix, [EnumeratorCancellation] CancellationToken ct)
    {
        for (var i = 1; ; i++)
        {
            await Task.Delay(2, ct);
            yield return new ChatResponseUpdate(ChatRole.Assistant, $"{prefix}-{i} ");
        }
    }

    private static async IAsyncEnumerable<ChatResponseUpdate> FailingStream([EnumeratorCancellation] CancellationToken ct)
    {
        await Task.Yield();
        yield return new ChatResponseUpdate(ChatRole.Assistant, "One moment, ");
        throw new HttpRequestException("upstream 500");
    }
}
