using System.Text.Json;
using AgentOS.Voice.Agents;
using AgentOS.Voice.Calls;
using AgentOS.Voice.Llm;
using AgentOS.Voice.Messages;
using AgentOS.Voice.Outcomes;
using AgentOS.Voice.Storage;
using AgentOS.Voice.TestSupport;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AgentOS.Voice.Core.Tests.Outcomes;

/// <summary>The outcome services on real Azurite, with the scripted model and a fake clock; a fresh name prefix per harness.</summary>
internal sealed class OutcomeHarness : IAsyncDisposable
{
    public static readonly JsonElement BookingSchema = JsonDocument.Parse(
        """{"type":"object","properties":{"booked":{"type":"boolean"},"slot":{"type":["string","null"]}}}""").RootElement.Clone();

    public const string AccountSid = "AC0123456789abcdef0123456789abcdef";
    public const string AuthToken = "outcome-test-auth-token";

    private readonly ServiceProvider _services;

    public OutcomeHarness(AzuriteFixture azurite, params (string Key, string Value)[] settings)
        : this(azurite, null, settings)
    {
    }

    /// <param name="replace">Registrations that replace the app's own (added last).</param>
    public OutcomeHarness(AzuriteFixture azurite, Action<IServiceCollection>? replace, params (string Key, string Value)[] settings)
    {
        var values = new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = azurite.ConnectionString,
            ["Storage:NamePrefix"] = "o" + Guid.NewGuid().ToString("n")[..10],
            ["AgentEndpoints:AllowLoopback"] = "true",
            ["Outcomes:RequestDelay"] = "00:00:00",
            ["Twilio:AccountSid"] = AccountSid,
            ["Twilio:AuthToken"] = AuthToken,
        };
        foreach (var (key, value) in settings)
        {
            values[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<IConfiguration>(configuration)
            .AddSingleton<TimeProvider>(Time)
            .AddAgentOsStorage(configuration)
            .AddAgents()
            .AddCalls()
            .AddSingleton<IVoiceMessageStore, TableVoiceMessageStore>()
            .AddLlm(configuration, new Microsoft.Extensions.Hosting.Internal.HostingEnvironment { EnvironmentName = Microsoft.Extensions.Hosting.Environments.Development })
            .AddOutcomes(configuration);
        replace?.Invoke(services);
        _services = services.BuildServiceProvider();
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 2, 10, 0, 0, TimeSpan.Zero));

    public T Get<T>() where T : notnull => _services.GetRequiredService<T>();

    public TableAgentStore Agents => Get<TableAgentStore>();

    public ICallStore Calls => Get<ICallStore>();

    public QueueClient Queue(string name) =>
        Get<QueueServiceClient>().GetPrefixedQueueClient(Get<IOptions<StorageOptions>>().Value, name);

    /// <summary>Every message now visible on <paramref name="name"/>, decoded and deleted.</summary>
    public async Task<List<string>> DrainAsync(string name)
    {
        var queue = Queue(name);
        await queue.CreateIfNotExistsAsync();
        var texts = new List<string>();
        while (true)
        {
            var batch = (await queue.ReceiveMessagesAsync(32)).Value;
            if (batch.Length == 0)
            {
                return texts;
            }

            foreach (var message in batch)
            {
                texts.Add(QueueTriggerEncoding.Decode(message.MessageText));
                await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
            }
        }
    }

    public Task<Agent> AddAgentAsync(string id, string? webhookUrl = null) => Agents.CreateAsync(new Agent
    {
        Id = id,
        Name = "Clinic",
        PhoneNumber = "+15005550006",
        Llm = new LlmSettings { Provider = LlmProviders.Scripted, Model = "scripted" },
        OutcomeSchema = BookingSchema,
        OutcomeWebhookUrl = webhookUrl,
    });

    /// <summary>A finished outbound call: greeting, a booking through a tool, an interrupted answer, goodbye.</summary>
    public async Task<CallRecord> AddEndedCallAsync(string agentId, string callId, bool ended = true)
    {
        var start = Time.GetUtcNow();
        var record = new CallRecord
        {
            CallId = callId,
            AgentId = agentId,
            Direction = "outbound",
            From = "+15005550006",
            To = "+14155550100",
            StartedAt = start,
            State = ended ? CallState.Ended : CallState.InProgress,
            EndedAt = ended ? start.AddSeconds(125) : null,
            EndReason = ended ? CallEndReasons.AgentEnded : null,
            TokensIn = 2_000,
            TokensOut = 300,
            CharactersSpoken = 400,
        };
        await Calls.UpsertCallAsync(record);
        TranscriptTurn[] turns =
        [
            new() { CallId = callId, Index = 0, Role = TurnRole.Agent, Text = "Hi, this is the clinic." },
            new() { CallId = callId, Index = 1, Role = TurnRole.Caller, Text = "Can I book Friday at ten?" },
            new() { CallId = callId, Index = 2, Role = TurnRole.Tool, ToolName = "book_slot", ToolMs = 180, Text = """book_slot({"time":"Friday 10"}) → {"booked":true,"slot":"Friday 10:00","say":"Booked."}""" },
            new() { CallId = callId, Index = 3, Role = TurnRole.Agent, Text = "Booked. You are all", Interrupted = true, FirstTokenMs = 400 },
            new() { CallId = callId, Index = 4, Role = TurnRole.Caller, Text = "Thanks, bye" },
            new() { CallId = callId, Index = 5, Role = TurnRole.Agent, Text = "Goodbye!", FirstTokenMs = 200 },
        ];
        foreach (var turn in turns)
        {
            await Calls.UpsertTurnAsync(turn);
        }

        return record;
    }

    public static string Request(string kind, string agentId, string id) => $$"""{"kind":"{{kind}}","agentId":"{{agentId}}","id":"{{id}}"}""";

    public async ValueTask DisposeAsync() => await _services.DisposeAsync();
}
