using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AgentOS.Voice.Agents;
using AgentOS.Voice.Calls;
using AgentOS.Voice.Outcomes;
using AgentOS.Voice.Storage;
using AgentOS.Voice.TestSupport;
using AgentOS.Voice.Webhooks;
using Azure.Storage.Queues;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AgentOS.Voice.Functions.Tests.Outcomes;

/// <summary>
/// The outcome queue functions and the stats API in the Functions app as the runner serves it: an ended call's request
/// goes through MakeOutcome to the <c>call-outcomes</c> queue and, through DeliverOutcomeWebhook, to a receiver on
/// Kestrel that verifies the Standard Webhooks signature with the agent's secret.
/// </summary>
public sealed class OutcomeFunctionsTests : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private readonly ConcurrentQueue<(string WebhookId, bool Verified, JsonElement Body)> _received = new();
    private readonly FunctionsAppFactory _app;
    private readonly HttpClient _client;
    private WebApplication _receiver = null!;
    private readonly ConcurrentDictionary<string, string> _secrets = new();

    public OutcomeFunctionsTests(AzuriteFixture azurite)
    {
        // A prefix per test: its queues, listeners and agents are its own, run after run on the same Azurite.
        _app = new FunctionsAppFactory(azurite.ConnectionString, "outfn" + Guid.NewGuid().ToString("N")[..8], new Dictionary<string, string>
        {
            ["Twilio:AccountSid"] = "AC00000000000000000000000000000000",
            ["Twilio:AuthToken"] = "test-auth-token-not-a-secret",
            ["PublicUrls:FunctionsBaseUrl"] = "https://voice.test",
            ["PublicUrls:RelayBaseUrl"] = "wss://relay.test",
            ["RelayTickets:Secret"] = "test-relay-ticket-secret-not-a-secret",
            ["AgentEndpoints:AllowLoopback"] = "true",
            ["Outcomes:RequestDelay"] = "00:00:00",
        });
        _client = _app.CreateManagementClient();
    }

    public async Task InitializeAsync() => _receiver = await LoopbackApp.StartAsync(app => app.MapPost("/outcomes", async (Microsoft.AspNetCore.Http.HttpRequest request) =>
    {
        using var reader = new StreamReader(request.Body);
        var body = await reader.ReadToEndAsync();
        var id = request.Headers[StandardWebhook.IdHeader].ToString();
        var agentId = JsonDocument.Parse(body).RootElement.GetProperty("agentId").GetString()!;
        var verified = StandardWebhook.Verify(_secrets.GetValueOrDefault(agentId, "whsec_AAAA"), id, request.Headers[StandardWebhook.TimestampHeader].ToString(),
            request.Headers[StandardWebhook.SignatureHeader].ToString(), Encoding.UTF8.GetBytes(body), DateTimeOffset.UtcNow);
        _received.Enqueue((id, verified, JsonDocument.Parse(body).RootElement.Clone()));
        return verified ? Microsoft.AspNetCore.Http.Results.NoContent() : Microsoft.AspNetCore.Http.Results.StatusCode(401);
    }));

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _app.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    private async Task CreateAgentAsync(string id, bool enabled = true)
    {
        var created = await _client.PostAsJsonAsync("/api/agents", new
        {
            id,
            enabled,
            name = "Clinic",
            phoneNumber = "+14155550100",
            llm = new { provider = "scripted", model = "scripted" },
            outcomeSchema = new { type = "object", properties = new { booked = new { type = "boolean" }, slot = new { type = new[] { "string", "null" } } } },
            outcomeWebhookUrl = _receiver.BaseUrl() + "/outcomes",
        });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        // The secret is never in the agent JSON; the app's store holds it.
        _secrets[id] = (await _app.Services.GetRequiredService<IAgentStore>().GetAsync(id))!.WebhookSecret!;
    }

    /// <summary>What RelayHost leaves behind for an ended call: the record, its transcript, and the outcome request.</summary>
    private async Task EndCallAsync(string agentId, string callId, DateTimeOffset startedAt)
    {
        var calls = _app.Services.GetRequiredService<ICallStore>();
        await calls.UpsertCallAsync(new CallRecord
        {
            CallId = callId,
            AgentId = agentId,
            Direction = "inbound",
            From = "+14155550123",
            To = "+14155550100",
            StartedAt = startedAt,
            State = CallState.Ended,
            EndedAt = startedAt.AddSeconds(70),
            EndReason = CallEndReasons.CallerHungUp,
            TokensIn = 1_000,
            TokensOut = 100,
        });
        await calls.UpsertTurnAsync(new TranscriptTurn { CallId = callId, Index = 0, Role = TurnRole.Agent, Text = "Hello, the clinic.", FirstTokenMs = 120 });
        await calls.UpsertTurnAsync(new TranscriptTurn
        {
            CallId = callId, Index = 1, Role = TurnRole.Tool, ToolName = "book_slot", ToolMs = 90,
            Text = """book_slot({"time":"Monday 9"}) → {"booked":true,"slot":"Monday 09:00"}""",
        });
        await _app.Services.GetRequiredService<OutcomeRequests>().CallEndedAsync(agentId, callId, CancellationToken.None);
    }

    private QueueClient Queue(string name) =>
        _app.Services.GetRequiredService<QueueServiceClient>().GetPrefixedQueueClient(_app.Services.GetRequiredService<IOptions<StorageOptions>>().Value, name);

    [Fact]
    public async Task An_ended_call_is_made_into_an_outcome_on_the_queue_and_a_signed_webhook_then_counted_in_the_stats()
    {
        await CreateAgentAsync("clinic-fn");
        var startedAt = DateTimeOffset.UtcNow.AddMinutes(-5);
        await EndCallAsync("clinic-fn", "CAfn0001", startedAt);

        await Eventually.True(() => Task.FromResult(!_received.IsEmpty), "the webhook receiver gets the outcome", 30);
        var (webhookId, verified, body) = Assert.Single(_received);
        Assert.True(verified, "the signature verifies with the agent's secret");
        Assert.Equal("outcome_call_CAfn0001", webhookId);
        Assert.Equal("call.outcome", body.GetProperty("type").GetString());
        Assert.Equal("caller-hung-up", body.GetProperty("endReason").GetString());
        Assert.True(body.GetProperty("fields").GetProperty("booked").GetBoolean());
        Assert.Equal("Monday 09:00", body.GetProperty("fields").GetProperty("slot").GetString());

        var queue = Queue(OutcomeOptions.OutcomeQueue);
        var peeked = (await queue.PeekMessagesAsync(32)).Value;
        var onQueue = Assert.Single(peeked, m => QueueTriggerEncoding.Decode(m.MessageText).Contains("\"CAfn0001\"", StringComparison.Ordinal));
        using (var queued = JsonDocument.Parse(QueueTriggerEncoding.Decode(onQueue.MessageText)))
        {
            Assert.Equal(webhookId, queued.RootElement.GetProperty("webhookId").GetString());
        }

        var stats = await _client.GetFromJsonAsync<JsonElement>(
            $"/api/agents/clinic-fn/stats?from={Uri.EscapeDataString(startedAt.AddHours(-1).ToString("O"))}&to={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(1).ToString("O"))}");
        Assert.Equal(1, stats.GetProperty("calls").GetInt32());
        Assert.Equal(0, stats.GetProperty("messages").GetInt32());
        Assert.Equal(70, stats.GetProperty("averageCallSeconds").GetDouble());
        Assert.Equal(1, stats.GetProperty("toolCalls").GetInt32());
        Assert.Equal(body.GetProperty("cost").GetProperty("total").GetDecimal(), stats.GetProperty("costTotal").GetDecimal());

        // A range that ended before the call holds nothing.
        var before = await _client.GetFromJsonAsync<JsonElement>("/api/agents/clinic-fn/stats?from=2020-01-01T00:00:00Z&to=2020-02-01T00:00:00Z");
        Assert.Equal(0, before.GetProperty("calls").GetInt32());
    }

    [Theory]
    [InlineData("from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z", "from")]
    [InlineData("from=yesterday", "from")]
    [InlineData("from=2026-12-01T00:00:00", "from")]
    [InlineData("to=2026-13-01T00:00:00Z", "to")]
    [InlineData("from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", "from")]
    public async Task Stats_refuse_a_bad_range_naming_the_field(string query, string field)
    {
        await CreateAgentAsync("clinic-range");

        using var response = await _client.GetAsync("/api/agents/clinic-range/stats?" + query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Stats_of_an_unknown_agent_are_404()
    {
        using var response = await _client.GetAsync("/api/agents/nobody/stats");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Messages_that_end_before_any_call_cancelled_or_failed_get_their_outcome_too()
    {
        await CreateAgentAsync("clinic-on");
        await CreateAgentAsync("clinic-off", enabled: false);
        var later = await _client.PostAsJsonAsync("/api/agents/clinic-on/messages",
            new { to = "+14155550123", text = "See you tomorrow.", sendAt = DateTimeOffset.UtcNow.AddHours(2) });
        var laterId = (await later.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await _client.DeleteAsync($"/api/agents/clinic-on/messages/{laterId}")).StatusCode);
        var refused = await _client.PostAsJsonAsync("/api/agents/clinic-off/messages", new { to = "+14155550123", text = "Hello." });
        var refusedId = (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        var canceled = await OutcomeOnQueueAsync(laterId);
        Assert.Equal("message.outcome", canceled.GetProperty("type").GetString());
        Assert.Equal("canceled", canceled.GetProperty("status").GetString());
        var failed = await OutcomeOnQueueAsync(refusedId);
        Assert.Equal("failed", failed.GetProperty("status").GetString());
        Assert.Equal("agent-unavailable", failed.GetProperty("endReason").GetString());
        await Eventually.True(() => Task.FromResult(_received.Count(r => r.Verified) == 2), "both reach the webhook", 30);
    }

    private async Task<JsonElement> OutcomeOnQueueAsync(string id)
    {
        JsonElement? found = null;
        var queue = Queue(OutcomeOptions.OutcomeQueue);
        await queue.CreateIfNotExistsAsync();
        await Eventually.True(async () =>
        {
            foreach (var message in (await queue.PeekMessagesAsync(32)).Value)
            {
                var outcome = JsonDocument.Parse(QueueTriggerEncoding.Decode(message.MessageText)).RootElement;
                if (outcome.GetProperty("id").GetString() == id)
                {
                    found = outcome.Clone();
                }
            }

            return found is not null;
        }, $"the outcome of {id} reaches call-outcomes", 30);
        return found!.Value;
    }
}
