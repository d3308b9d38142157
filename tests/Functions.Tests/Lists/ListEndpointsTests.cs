using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AgentOS.Voice.Calls;
using AgentOS.Voice.Functions.Tests.Calls;
using AgentOS.Voice.Messages;
using AgentOS.Voice.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace AgentOS.Voice.Functions.Tests.Lists;

/// <summary>GET /api/agents/{agentId}/calls and …/messages on the real app and Azurite: order, paging, filters, refusals.</summary>
public sealed class ListEndpointsTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 9, 0, 0, TimeSpan.Zero);

    private LiveCallTestApp _t = null!;
    private HttpClient _api = null!;

    private IVoiceMessageStore Messages => _t.App.Services.GetRequiredService<IVoiceMessageStore>();

    public async Task InitializeAsync()
    {
        _t = await LiveCallTestApp.StartAsync(azurite);
        _api = _t.App.CreateManagementClient();
    }

    public async Task DisposeAsync()
    {
        _api.Dispose();
        await _t.DisposeAsync();
    }

    [Fact]
    public async Task Calls_come_newest_first_in_pages_that_end_with_a_null_token()
    {
        var agent = await _t.AddAgentAsync();
        var other = await _t.AddAgentAsync();
        for (var i = 0; i < 5; i++)
        {
            await _t.Calls.UpsertCallAsync(Call(agent.Id, $"c{i}", T0.AddMinutes(i)));
        }

        await _t.Calls.UpsertCallAsync(Call(other.Id, "theirs", T0.AddMinutes(10)));

        var pages = await ReadAllAsync($"/api/agents/{agent.Id}/calls?limit=2", "callId");

        Assert.Equal([["c4", "c3"], ["c2", "c1"], ["c0"]], pages);
    }

    [Fact]
    public async Task Calls_are_filtered_by_state_and_by_start_from_inclusive_to_exclusive()
    {
        var agent = await _t.AddAgentAsync();
        for (var i = 0; i < 6; i++)
        {
            await _t.Calls.UpsertCallAsync(Call(agent.Id, $"c{i}", T0.AddMinutes(i)) with { State = i % 2 == 0 ? CallState.Ended : CallState.InProgress });
        }

        Assert.Equal(["c5", "c3", "c1"], Flat(await ReadAllAsync($"/api/agents/{agent.Id}/calls?state=inprogress", "callId")));
        Assert.Equal(["c4", "c2", "c0"], Flat(await ReadAllAsync($"/api/agents/{agent.Id}/calls?state=Ended&limit=1", "callId")));
        var from = Uri.EscapeDataString(T0.AddMinutes(1).ToString("O"));
        var to = Uri.EscapeDataString(T0.AddMinutes(4).ToString("O"));
        Assert.Equal(["c3", "c2", "c1"], Flat(await ReadAllAsync($"/api/agents/{agent.Id}/calls?from={from}&to={to}", "callId")));
        Assert.Equal(["c3", "c1"], Flat(await ReadAllAsync($"/api/agents/{agent.Id}/calls?from={from}&to={to}&state=InProgress", "callId")));
    }

    [Fact]
    public async Task A_call_whose_start_moved_is_listed_once_in_its_latest_state()
    {
        var agent = await _t.AddAgentAsync();
        var call = Call(agent.Id, "moved", T0);
        await _t.Calls.UpsertCallAsync(call);
        // Twilio's billed duration moves the start (a start only ever moves to the billed one, or earlier).
        await _t.Calls.UpsertCallAsync(call with { StartedAt = T0.AddTicks(1234567), State = CallState.Ended, EndedAt = T0.AddMinutes(2), Billed = true });

        var first = await _api.GetFromJsonAsync<JsonElement>($"/api/agents/{agent.Id}/calls");
        var item = Assert.Single(first.GetProperty("items").EnumerateArray());
        Assert.Equal("Ended", item.GetProperty("state").GetString());
        Assert.Equal(T0.AddTicks(1234567), item.GetProperty("startedAt").GetDateTimeOffset());
        Assert.False(item.TryGetProperty("transcript", out _));

        Assert.Empty(Flat(await ReadAllAsync($"/api/agents/{agent.Id}/calls?state=InProgress", "callId")));
    }

    [Fact]
    public async Task Messages_come_newest_first_filtered_by_their_current_state()
    {
        var agent = await _t.AddAgentAsync();
        for (var i = 0; i < 4; i++)
        {
            await Messages.AddAsync(Message(agent.Id, $"msg_m{i}", T0.AddSeconds(i)));
        }

        await Messages.UpdateAsync(agent.Id, "msg_m2", m => m.Transition(MessageState.Canceled, T0.AddMinutes(1), "test"));

        Assert.Equal([["msg_m3", "msg_m2", "msg_m1"], ["msg_m0"]], await ReadAllAsync($"/api/agents/{agent.Id}/messages?limit=3", "id"));
        Assert.Equal(["msg_m3", "msg_m1", "msg_m0"], Flat(await ReadAllAsync($"/api/agents/{agent.Id}/messages?state=queued", "id")));
        var canceled = await _api.GetFromJsonAsync<JsonElement>($"/api/agents/{agent.Id}/messages?state=canceled");
        var item = Assert.Single(canceled.GetProperty("items").EnumerateArray());
        Assert.Equal("canceled", item.GetProperty("state").GetString());
        Assert.Equal(2, item.GetProperty("history").GetArrayLength());
        var to = Uri.EscapeDataString(T0.AddSeconds(2).ToString("O"));
        Assert.Equal(["msg_m1", "msg_m0"], Flat(await ReadAllAsync($"/api/agents/{agent.Id}/messages?to={to}", "id")));
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=101", "limit")]
    [InlineData("limit=ten", "limit")]
    [InlineData("limit=2&limit=3", "limit")]
    [InlineData("state=ringing", "state")]
    [InlineData("from=yesterday", "from")]
    [InlineData("from=2026-12-02T10:00:00Z&to=2026-12-02T09:00:00Z", "to")]
    [InlineData("continuationToken=not-a-token", "continuationToken")]
    [InlineData("pageSize=5", "pageSize")]
    public async Task Bad_paging_or_filter_input_is_a_400_naming_the_parameter(string query, string field)
    {
        var agent = await _t.AddAgentAsync();

        foreach (var list in new[] { "calls", "messages" })
        {
            using var response = await _api.GetAsync($"/api/agents/{agent.Id}/{list}?{query}");

            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
            Assert.True(errors.TryGetProperty(field, out var messages) && messages.GetArrayLength() > 0, $"{list}: errors should name {field}: {errors}");
        }
    }

    [Fact]
    public async Task Lists_need_the_management_key_and_a_known_agent()
    {
        var agent = await _t.AddAgentAsync();
        await _t.Calls.UpsertCallAsync(Call(agent.Id, "secret", T0));
        using var wrongKey = _t.App.CreateClient();
        wrongKey.DefaultRequestHeaders.Add("x-api-key", "not-the-management-key-000");

        foreach (var list in new[] { "calls", "messages" })
        {
            using var none = await _t.App.CreateClient().GetAsync($"/api/agents/{agent.Id}/{list}");
            using var wrong = await wrongKey.GetAsync($"/api/agents/{agent.Id}/{list}");
            using var unknown = await _api.GetAsync($"/api/agents/nobody-{Guid.NewGuid():n}/{list}");

            Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
            Assert.DoesNotContain("secret", await wrong.Content.ReadAsStringAsync());
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        }
    }

    private static CallRecord Call(string agentId, string callId, DateTimeOffset startedAt) => new()
    {
        CallId = callId + "-" + agentId,
        AgentId = agentId,
        CallSid = "CA" + callId,
        Direction = "inbound",
        From = "+14155550123",
        To = "+14155550100",
        StartedAt = startedAt,
    };

    private static VoiceMessage Message(string agentId, string id, DateTimeOffset createdAt) => new VoiceMessage
    {
        Id = id,
        AgentId = agentId,
        To = "+14155550123",
        Text = "Your table is ready.",
        CreatedAt = createdAt,
    }.Transition(MessageState.Queued, createdAt, "queued");

    /// <summary>Every page, following the continuation token until it is null; call ids lose their agent suffix.</summary>
    private async Task<List<List<string>>> ReadAllAsync(string url, string idField)
    {
        var pages = new List<List<string>>();
        string? token = null;
        do
        {
            var separator = url.Contains('?') ? "&" : "?";
            var page = await _api.GetFromJsonAsync<JsonElement>(token is null ? url : $"{url}{separator}continuationToken={Uri.EscapeDataString(token)}");
            pages.Add(page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty(idField).GetString()!.Split('-')[0]).ToList());
            token = page.GetProperty("continuationToken").GetString();
            Assert.True(pages.Count < 20, "the continuation tokens should come to an end");
        }
        while (token is not null);

        return pages;
    }

    private static List<string> Flat(List<List<string>> pages) => pages.SelectMany(p => p).ToList();
}
