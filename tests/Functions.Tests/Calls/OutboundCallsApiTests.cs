using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AgentOS.Voice.Calls;
using AgentOS.Voice.TestSupport;

namespace AgentOS.Voice.Functions.Tests.Calls;

public sealed class OutboundCallsApiTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private LiveCallTestApp _t = null!;
    private HttpClient _api = null!;

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
    public async Task Placing_a_call_stores_the_context_server_side_and_sends_twilio_only_the_call_id()
    {
        var agent = await _t.AddAgentAsync();

        using var response = await _api.PostAsJsonAsync($"/api/agents/{agent.Id}/calls",
            new { to = "+14155550123", context = new { name = "Ada Lovelace", appointment = "Tuesday 10:00" } });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var callId = body.GetProperty("callId").GetString()!;
        var callSid = body.GetProperty("callSid").GetString()!;
        Assert.Equal($"/api/agents/{agent.Id}/calls/{callId}", body.GetProperty("statusUrl").GetString());
        Assert.Equal(body.GetProperty("statusUrl").GetString(), response.Headers.Location?.OriginalString);

        var sent = Assert.Single(_t.Twilio.Created);
        Assert.Equal(("+14155550123", agent.PhoneNumber), (sent["To"], sent["From"]));
        Assert.Equal($"{LiveCallTestApp.FunctionsBase}/agents/{agent.Id}/outbound-call?callId={callId}", sent["Url"]);
        Assert.Equal($"{LiveCallTestApp.FunctionsBase}/agents/{agent.Id}/call-status?callId={callId}", sent["StatusCallback"]);
        Assert.DoesNotContain(sent.Values, v => v.Contains("Ada") || v.Contains("Tuesday"));

        var context = await _t.Contexts.GetAsync(callId);
        Assert.Equal(agent.Id, context!.AgentId);
        Assert.Equal("Ada Lovelace", context.Context["name"]);
        Assert.Equal("Tuesday 10:00", context.Context["appointment"]);

        var call = await _api.GetFromJsonAsync<JsonElement>($"/api/agents/{agent.Id}/calls/{callId}");
        Assert.Equal(callSid, call.GetProperty("callSid").GetString());
        Assert.Equal("outbound", call.GetProperty("direction").GetString());
        Assert.Equal("InProgress", call.GetProperty("state").GetString());
        Assert.Equal(0, call.GetProperty("transcript").GetArrayLength());
    }

    [Fact]
    public async Task Without_the_management_key_nothing_is_placed()
    {
        var agent = await _t.AddAgentAsync();

        using var response = await _t.Client.PostAsJsonAsync($"/api/agents/{agent.Id}/calls", new { to = "+14155550123" });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(_t.Twilio.Created);
    }

    [Theory]
    [InlineData("{}", "to")]
    [InlineData("{\"to\":\"555-0100\"}", "to")]
    [InlineData("{\"to\":\"+14155550123\\n\"}", "to")]
    [InlineData("{\"to\":\"+14155550123\",\"context\":{\"name\":\"\\u0001\"}}", "context.name")]
    [InlineData("{\"to\":\"+14155550123\",\"context\":{\"name\":\"Ada\\uFFFE\"}}", "context.name")]
    [InlineData("{\"to\":\"+14155550123\",\"to\":\"+14155550124\"}", "$")]
    [InlineData("{\"to\":\"+14155550123\",\"context\":{\"age\":42}}", "context.age")]
    [InlineData("{\"to\":\"+14155550123\",\"context\":[\"x\"]}", "context")]
    [InlineData("{\"to\":\"+14155550123\",\"tooo\":1}", "tooo")]
    [InlineData("[1]", "$")]
    [InlineData("not json", "$")]
    public async Task Invalid_requests_get_a_specific_error_and_place_nothing(string json, string field)
    {
        var agent = await _t.AddAgentAsync();

        using var response = await _api.PostAsync($"/api/agents/{agent.Id}/calls", new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"expected an error for '{field}': {problem}");
        Assert.Empty(_t.Twilio.Created);
    }

    [Fact]
    public async Task Unknown_agent_is_404_and_disabled_agent_is_409()
    {
        var disabled = await _t.AddAgentAsync(a => a with { Enabled = false });

        using var unknown = await _api.PostAsJsonAsync("/api/agents/nobody/calls", new { to = "+14155550123" });
        using var off = await _api.PostAsJsonAsync($"/api/agents/{disabled.Id}/calls", new { to = "+14155550123" });

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, off.StatusCode);
        Assert.Empty(_t.Twilio.Created);
    }

    [Fact]
    public async Task Twilio_refusing_the_number_is_reported_with_its_code_and_ends_the_record()
    {
        var agent = await _t.AddAgentAsync();
        _t.Twilio.Refuse = (21211, 400);

        using var response = await _api.PostAsJsonAsync($"/api/agents/{agent.Id}/calls", new { to = "+14155550123" });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(21211, problem.GetProperty("twilioCode").GetInt32());
        var record = await _t.Calls.GetCallAsync(problem.GetProperty("callId").GetString()!);
        Assert.Equal((CallState.Ended, CallEndReasons.Error), (record!.State, record.EndReason));
        Assert.Contains("21211", record.LastError);
    }

    [Fact]
    public async Task Twilio_failing_with_a_5xx_is_a_502_naming_the_call_and_ends_the_record()
    {
        var agent = await _t.AddAgentAsync();
        _t.Twilio.Refuse = (20500, 500);

        using var response = await _api.PostAsJsonAsync($"/api/agents/{agent.Id}/calls", new { to = "+14155550123" });

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Twilio could not be reached.", problem.GetProperty("title").GetString());
        Assert.Equal(20500, problem.GetProperty("twilioCode").GetInt32());
        var record = await _t.Calls.GetCallAsync(problem.GetProperty("callId").GetString()!);
        Assert.Equal((CallState.Ended, CallEndReasons.Error), (record!.State, record.EndReason));
        Assert.Contains("20500", record.LastError);
    }

    [Fact]
    public async Task A_call_of_another_agent_or_an_unknown_call_is_404()
    {
        var agent = await _t.AddAgentAsync();
        var other = await _t.AddAgentAsync();
        using var placed = await _api.PostAsJsonAsync($"/api/agents/{agent.Id}/calls", new { to = "+14155550123" });
        var callId = (await placed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("callId").GetString();

        Assert.Equal(HttpStatusCode.NotFound, (await _api.GetAsync($"/api/agents/{other.Id}/calls/{callId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _api.GetAsync($"/api/agents/{agent.Id}/calls/unknown")).StatusCode);
    }
}
