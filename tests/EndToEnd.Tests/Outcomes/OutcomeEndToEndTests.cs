using System.Net.Http.Json;
using System.Text.Json;
using AgentOS.Voice.Agents;
using AgentOS.Voice.EndToEnd.Tests.Live;
using AgentOS.Voice.Outcomes;
using AgentOS.Voice.Simulator;
using AgentOS.Voice.Simulator.Relay;
using AgentOS.Voice.Storage;

namespace AgentOS.Voice.EndToEnd.Tests.Outcomes;

/// <summary>
/// Outcomes end to end: a live call through the phone simulator that books a slot through the agent's own tool, and a
/// voice message left on a voicemail box, each arriving on the <c>call-outcomes</c> queue and, signed, at the agent's
/// outcome webhook.
/// </summary>
public sealed class OutcomeEndToEndTests(LiveCallStack stack) : IClassFixture<LiveCallStack>, IAsyncLifetime
{
    private static readonly TimeSpan OutcomeWait = TimeSpan.FromSeconds(60);
    private AgentSystemsServer _systems = null!;

    public async Task InitializeAsync() => _systems = await AgentSystemsServer.StartAsync();

    public async Task DisposeAsync() => await _systems.DisposeAsync();

    [Fact]
    public async Task A_live_call_that_books_through_the_agents_tool_gets_its_outcome_on_the_queue_and_the_webhook()
    {
        var agent = await CreateAgentAsync();

        var call = await stack.CallAgentAsync(agent, new CallerScript().Say("I would like an appointment").Say("Yes please").HangUp());

        // The tools were called, signed, once each, for this call.
        var tools = _systems.Requests.Where(r => r.Endpoint != "outcome" && r.Json.GetProperty("callId").GetString() == call.Sid).ToList();
        Assert.Equal(["find_slot", "book_slot"], tools.Select(t => t.Json.GetProperty("tool").GetString()));
        Assert.All(tools, t => Assert.Equal((t.WebhookId, agent.Id), (t.IdempotencyKey, t.Json.GetProperty("agentId").GetString())));
        Assert.All(tools, t => Assert.StartsWith($"tool_{call.Sid}_", t.WebhookId));

        var delivered = await _systems.WaitForOutcomeAsync(call.Sid, OutcomeWait);
        var outcome = delivered[0].Json;
        Assert.All(delivered, d => Assert.Equal($"outcome_call_{call.Sid}", d.WebhookId));
        Assert.Equal(("call.outcome", agent.Id, "completed"), (Text(outcome, "type"), Text(outcome, "agentId"), Text(outcome, "status")));
        Assert.Equal(("caller-hung-up", "inbound", agent.PhoneNumber), (Text(outcome, "endReason"), Text(outcome, "direction"), Text(outcome, "to")));
        Assert.True(outcome.GetProperty("fields").GetProperty("confirmed").GetBoolean());
        Assert.Equal(AgentSystemsServer.Slot, outcome.GetProperty("fields").GetProperty("newTime").GetString());
        Assert.False(string.IsNullOrWhiteSpace(Text(outcome, "summary")));

        // The transcript holds what was said and both tool calls, with their answers and timings.
        var transcript = outcome.GetProperty("transcript").EnumerateArray().ToList();
        Assert.Equal(["I would like an appointment", "Yes please"], transcript.Where(t => Text(t, "role") == "caller").Select(t => Text(t, "text")));
        var toolTurns = transcript.Where(t => Text(t, "role") == "tool").ToList();
        Assert.Equal(["find_slot", "book_slot"], toolTurns.Select(t => Text(t, "tool")));
        Assert.All(toolTurns, t => Assert.False(t.TryGetProperty("toolFailed", out var failed) && failed.GetBoolean()));
        Assert.All(toolTurns, t => Assert.True(t.GetProperty("toolMs").GetDouble() >= 0));
        Assert.Contains("Friday 10:00", Text(toolTurns[1], "text"));
        Assert.Contains(transcript, t => Text(t, "role") == "agent" && Text(t, "text")!.Contains("booked for Friday at ten"));
        Assert.Equal((2, 0), (outcome.GetProperty("tools").GetProperty("calls").GetInt32(), outcome.GetProperty("tools").GetProperty("failures").GetInt32()));

        // An inbound call of under a minute: one started minute of telephone and of ConversationRelay.
        var cost = outcome.GetProperty("cost");
        var breakdown = cost.GetProperty("breakdown");
        Assert.Equal(0.0085m, breakdown.GetProperty("telephone").GetDecimal());
        Assert.Equal(0.07m, breakdown.GetProperty("conversationRelay").GetDecimal());
        Assert.Equal(0m, breakdown.GetProperty("tts").GetDecimal());
        Assert.Equal(breakdown.EnumerateObject().Sum(p => p.Value.GetDecimal()), cost.GetProperty("total").GetDecimal());
        Assert.Equal(1, cost.GetProperty("usage").GetProperty("telephoneMinutes").GetInt32());
        Assert.True(cost.GetProperty("usage").GetProperty("ttsCharacters").GetInt32() > 0, cost.ToString());

        // The queue copy is the same outcome.
        var queued = await WaitOnQueueAsync(call.Sid);
        Assert.True(JsonElement.DeepEquals(outcome, queued), $"webhook: {outcome}\nqueue: {queued}");
    }

    [Fact]
    public async Task A_message_left_on_voicemail_gets_its_outcome_on_the_queue_and_the_webhook()
    {
        var agent = await CreateAgentAsync();
        const string to = "+14155557301";
        const string text = "This is the clinic. Your appointment is on Friday at ten.";
        stack.Simulator.Numbers[to] = NumberBehavior.Voicemail(greetingSeconds: 6);
        using var api = stack.ManagementClient();

        using var accepted = await api.PostAsJsonAsync($"/api/agents/{agent.Id}/messages", new { to, text });
        accepted.EnsureSuccessStatusCode();
        var messageId = (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        var delivered = await _systems.WaitForOutcomeAsync(messageId, OutcomeWait);
        var outcome = delivered[0].Json;
        Assert.All(delivered, d => Assert.Equal($"outcome_message_{messageId}", d.WebhookId));
        Assert.Equal(("message.outcome", "completed", "machine_end_beep"), (Text(outcome, "type"), Text(outcome, "status"), Text(outcome, "answeredBy")));
        Assert.Equal(("outbound", to), (Text(outcome, "direction"), Text(outcome, "to")));
        var said = Assert.Single(outcome.GetProperty("transcript").EnumerateArray());
        Assert.Equal(("agent", text), (Text(said, "role"), Text(said, "text")));
        // Nothing was booked: the schema's boolean is false and its string null, filled by the agent's model.
        Assert.False(outcome.GetProperty("fields").GetProperty("confirmed").GetBoolean());
        Assert.Equal(JsonValueKind.Null, outcome.GetProperty("fields").GetProperty("newTime").ValueKind);

        // A message pays its call and its speech, no ConversationRelay.
        var breakdown = outcome.GetProperty("cost").GetProperty("breakdown");
        Assert.True(breakdown.GetProperty("telephone").GetDecimal() > 0, breakdown.ToString());
        Assert.Equal(0m, breakdown.GetProperty("conversationRelay").GetDecimal());
        Assert.Equal(text.Length * 0.30m / 1000, breakdown.GetProperty("tts").GetDecimal());
        Assert.Equal(text.Length, outcome.GetProperty("cost").GetProperty("usage").GetProperty("ttsCharacters").GetInt32());

        var queued = await WaitOnQueueAsync(messageId);
        Assert.True(JsonElement.DeepEquals(outcome, queued), $"webhook: {outcome}\nqueue: {queued}");
    }

    /// <summary>An agent whose tools and outcome webhook are <see cref="_systems"/>, which learns its secret as an owner does.</summary>
    private async Task<Agent> CreateAgentAsync()
    {
        var agent = await stack.CreateAgentAsync(a => a with
        {
            Voice = "en-us", // messages are spoken by espeak-ng here
            Script =
            [
                new("appointment", "Let me look.", "find_slot"),
                new("yes", "Booking it.", "book_slot"),
            ],
            Tools = [Tool(a.Id, "find_slot"), Tool(a.Id, "book_slot")],
            OutcomeSchema = JsonDocument.Parse(
                """{"type":"object","properties":{"confirmed":{"type":"boolean"},"newTime":{"type":["string","null"]}}}""").RootElement.Clone(),
            OutcomeWebhookUrl = $"{_systems.BaseUrl}/{a.Id}/outcomes",
        });
        using var api = stack.ManagementClient();
        var secret = await api.GetFromJsonAsync<JsonElement>($"/api/agents/{agent.Id}/webhook-secret");
        _systems.Secrets[agent.Id] = secret.GetProperty("secret").GetString()!;
        return agent;
    }

    private AgentTool Tool(string agentId, string name) => new()
    {
        Name = name,
        Description = name == "find_slot" ? "Looks up the next free appointment slot." : "Books the slot the caller agreed to.",
        Parameters = JsonDocument.Parse("""{"type":"object","properties":{"request":{"type":"string"}}}""").RootElement.Clone(),
        Url = $"{_systems.BaseUrl}/{agentId}/tools/{name}",
        TimeoutSeconds = 5,
    };

    /// <summary>The outcome for <paramref name="id"/> on <c>call-outcomes</c>, read without taking it off the queue.</summary>
    private async Task<JsonElement> WaitOnQueueAsync(string id)
    {
        var queue = stack.Queue(OutcomeOptions.OutcomeQueue);
        var deadline = DateTime.UtcNow + OutcomeWait;
        while (true)
        {
            // This class's stack holds a handful of outcomes, well under one peek's 32.
            if (await queue.ExistsAsync())
            {
                foreach (var message in (await queue.PeekMessagesAsync(32)).Value)
                {
                    var json = JsonDocument.Parse(QueueTriggerEncoding.Decode(message.MessageText)).RootElement.Clone();
                    if (json.GetProperty("id").GetString() == id)
                    {
                        return json;
                    }
                }
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException($"No outcome for {id} on the call-outcomes queue in {OutcomeWait.TotalSeconds} s.");
            }

            await Task.Delay(100);
        }
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
