using System.Buffers.Text;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AgentOS.Voice.Calls;
using AgentOS.Voice.Events;
using AgentOS.Voice.Functions.Tests.Calls;
using AgentOS.Voice.TestSupport;
using AgentOS.Voice.WebPubSubStandIn;
using Microsoft.Extensions.DependencyInjection;
using StandInServer = AgentOS.Voice.WebPubSubStandIn.WebPubSubStandIn;

namespace AgentOS.Voice.Functions.Tests.Events;

/// <summary>GET /api/events/negotiate on the real app, its URLs used against the Web PubSub stand-in by a real client socket.</summary>
public sealed class EventsNegotiateTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private StandInServer _standIn = null!;
    private LiveCallTestApp _t = null!;
    private HttpClient _api = null!;

    public async Task InitializeAsync()
    {
        _standIn = new StandInServer(new WebPubSubStandInOptions());
        await _standIn.StartAsync();
        _t = await LiveCallTestApp.StartAsync(azurite, ("Events:WebPubSubConnectionString", _standIn.ConnectionString));
        _api = _t.App.CreateManagementClient();
    }

    public async Task DisposeAsync()
    {
        _api.Dispose();
        await _t.DisposeAsync();
        await _standIn.DisposeAsync();
    }

    [Fact]
    public async Task An_agent_token_lasts_at_most_an_hour_and_may_only_join_and_leave_that_agents_group()
    {
        var agent = await _t.AddAgentAsync();

        using var response = await _api.GetAsync($"/api/events/negotiate?agentId={agent.Id}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.CacheControl?.NoStore);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var url = new Uri(body.GetProperty("url").GetString()!);
        Assert.Equal("ws", url.Scheme); // the stand-in is http; Azure's https endpoint gives wss
        Assert.Equal(new Uri(_standIn.BaseUrl).Authority, url.Authority);
        Assert.Equal("/client/hubs/calls", url.AbsolutePath);
        var claims = Claims(url);
        Assert.Equal($"{_standIn.BaseUrl}/client/hubs/calls", claims.GetProperty("aud").GetString());
        var lifetime = claims.GetProperty("exp").GetInt64() - claims.GetProperty("iat").GetInt64();
        Assert.InRange(lifetime, 1, 3600);
        Assert.InRange(claims.GetProperty("exp").GetInt64() - DateTimeOffset.UtcNow.ToUnixTimeSeconds(), 3000, 3600);
        Assert.Equal(["webpubsub.joinLeaveGroup.agent." + agent.Id], claims.GetProperty("role").EnumerateArray().Select(r => r.GetString()));
        Assert.False(claims.TryGetProperty("webpubsub.group", out _));
        Assert.Equal("agent." + agent.Id, body.GetProperty("group").GetString());
    }

    [Fact]
    public async Task Agent_As_token_joins_As_group_and_gets_its_events_but_is_refused_agent_Bs_group()
    {
        var a = await _t.AddAgentAsync();
        var b = await _t.AddAgentAsync();
        await using var client = await WebPubSubTestClient.ConnectAsync(await NegotiateAsync($"agentId={a.Id}"));

        await client.JoinAsync(EventGroups.Agent(a.Id));
        var refused = await client.SendForAckAsync(new { type = "joinGroup", group = EventGroups.Agent(b.Id), ackId = 7 }, 7);
        var sending = await client.SendForAckAsync(new { type = "sendToGroup", group = EventGroups.Agent(a.Id), ackId = 8, data = "hi" }, 8);
        var publisher = _t.App.Services.GetRequiredService<VoiceEventPublisher>();
        publisher.Publish(VoiceEvent.ForCall(VoiceEventTypes.KeyPressed, b.Id, "cb", DateTimeOffset.UtcNow, new KeyPressedData("1")));
        publisher.Publish(VoiceEvent.ForCall(VoiceEventTypes.KeyPressed, a.Id, "ca", DateTimeOffset.UtcNow, new KeyPressedData("2")));
        var events = await client.ReceiveEventsUntilAsync(e => e.GetProperty("type").GetString() == VoiceEventTypes.KeyPressed);

        Assert.False(refused.GetProperty("success").GetBoolean());
        Assert.Equal("Forbidden", refused.GetProperty("error").GetProperty("name").GetString());
        Assert.False(sending.GetProperty("success").GetBoolean());
        var only = Assert.Single(events);
        Assert.Equal(a.Id, only.GetProperty("agentid").GetString());
        Assert.Equal("2", only.GetProperty("data").GetProperty("digits").GetString());
    }

    [Fact]
    public async Task A_call_token_may_join_only_that_calls_group_and_only_for_the_calls_own_agent()
    {
        var agent = await _t.AddAgentAsync();
        var other = await _t.AddAgentAsync();
        var callId = "call-" + Guid.NewGuid().ToString("n")[..8];
        await _t.Calls.UpsertCallAsync(new CallRecord { CallId = callId, AgentId = agent.Id, Direction = "inbound", From = "+14155550123", To = agent.PhoneNumber });

        var url = await NegotiateAsync($"agentId={agent.Id}&callId={callId}");
        using var otherAgents = await _api.GetAsync($"/api/events/negotiate?agentId={other.Id}&callId={callId}");
        using var unknown = await _api.GetAsync($"/api/events/negotiate?agentId={agent.Id}&callId=nope");

        Assert.Equal(["webpubsub.joinLeaveGroup.call." + callId], Claims(new Uri(url)).GetProperty("role").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(HttpStatusCode.NotFound, otherAgents.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        await using var client = await WebPubSubTestClient.ConnectAsync(url);
        await client.JoinAsync(EventGroups.Call(callId));
        var agentGroup = await client.SendForAckAsync(new { type = "joinGroup", group = EventGroups.Agent(agent.Id), ackId = 9 }, 9);
        Assert.False(agentGroup.GetProperty("success").GetBoolean());
    }

    [Fact]
    public async Task Negotiate_refuses_without_the_key_without_agentId_and_for_an_unknown_agent()
    {
        var agent = await _t.AddAgentAsync();

        using var noKey = await _t.Client.GetAsync($"/api/events/negotiate?agentId={agent.Id}");
        using var noAgent = await _api.GetAsync("/api/events/negotiate");
        using var unknown = await _api.GetAsync("/api/events/negotiate?agentId=nobody");

        Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, noAgent.StatusCode);
        Assert.True((await noAgent.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("agentId", out _));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Without_Web_PubSub_negotiate_says_events_are_off()
    {
        await using var off = await LiveCallTestApp.StartAsync(azurite);
        var agent = await off.AddAgentAsync();
        using var api = off.App.CreateManagementClient();

        using var response = await api.GetAsync($"/api/events/negotiate?agentId={agent.Id}");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("Events:WebPubSub", await response.Content.ReadAsStringAsync());
    }

    private async Task<string> NegotiateAsync(string query)
    {
        var body = await _api.GetFromJsonAsync<JsonElement>("/api/events/negotiate?" + query);
        return body.GetProperty("url").GetString()!;
    }

    /// <summary>The token's payload (the stand-in checks its signature when the socket opens).</summary>
    private static JsonElement Claims(Uri url)
    {
        var token = Uri.UnescapeDataString(url.Query["?access_token=".Length..]);
        return JsonDocument.Parse(Base64Url.DecodeFromChars(token.Split('.')[1])).RootElement;
    }
}
