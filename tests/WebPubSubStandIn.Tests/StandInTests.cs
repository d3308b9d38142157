using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using AgentOS.Voice.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace AgentOS.Voice.WebPubSubStandIn.Tests;

public sealed class StandInTests : IAsyncLifetime
{
    private const string Hub = "calls";
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 2, 13, 0, 0, TimeSpan.Zero));
    private readonly HttpClient _http = new();
    private WebPubSubStandIn _standIn = null!;

    public async Task InitializeAsync()
    {
        _standIn = new WebPubSubStandIn(new WebPubSubStandInOptions { TimeProvider = _clock });
        await _standIn.StartAsync();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _standIn.DisposeAsync();
    }

    private string ClientToken(string? userId, params string[] roles) =>
        TestTokens.Create(_standIn.AccessKey, $"{_standIn.BaseUrl}/client/hubs/{Hub}", _clock.GetUtcNow().AddHours(1), userId, roles);

    private Task<WebPubSubTestClient> ConnectAsync(string token) =>
        WebPubSubTestClient.ConnectAsync(_standIn.BaseUrl.Replace("http://", "ws://") + $"/client/hubs/{Hub}?access_token={token}");

    private Task<HttpResponseMessage> PostAsync(string path, string body, string contentType = "application/json", string? token = null, string? audience = null)
    {
        var url = $"{_standIn.BaseUrl}/api/hubs/{Hub}{path}?api-version=2024-12-01";
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, contentType) };
        request.Headers.Authorization = new AuthenticationHeaderValue(
            "Bearer", token ?? TestTokens.Create(_standIn.AccessKey, audience ?? url, _clock.GetUtcNow().AddMinutes(1)));
        return _http.SendAsync(request);
    }

    [Fact]
    public async Task A_group_send_reaches_the_groups_members_only()
    {
        await using var member = await ConnectAsync(ClientToken("u1", "webpubsub.joinLeaveGroup.agent.a"));
        await using var other = await ConnectAsync(ClientToken("u2"));
        Assert.True((await member.SendForAckAsync(new { type = "joinGroup", group = "agent.a", ackId = 1 }, 1)).GetProperty("success").GetBoolean());

        var response = await PostAsync("/groups/agent.a/:send", """{"n":1}""");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var message = await member.ReceiveAsync();
        Assert.Equal("message", message.GetProperty("type").GetString());
        Assert.Equal("server", message.GetProperty("from").GetString());
        Assert.Equal("json", message.GetProperty("dataType").GetString());
        Assert.Equal(1, message.GetProperty("data").GetProperty("n").GetInt32());
        // The non-member's next frame is the one sent to it directly, not the group's.
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync($"/connections/{other.ConnectionId}/:send", "marker", "text/plain")).StatusCode);
        var next = await other.ReceiveAsync();
        Assert.Equal("text", next.GetProperty("dataType").GetString());
        Assert.Equal("marker", next.GetProperty("data").GetString());
        Assert.Equal(new RestSend(Hub, "group:agent.a", "application/json", """{"n":1}"""), _standIn.Sends.First());
    }

    [Fact]
    public async Task Hub_user_and_connection_sends_reach_their_targets()
    {
        await using var alice = await ConnectAsync(ClientToken("alice"));
        await using var bob = await ConnectAsync(ClientToken("bob"));

        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync("/:send", "\"all\"")).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync("/users/bob/:send", "\"bob\"")).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync($"/connections/{alice.ConnectionId}/:send", "\"alice\"")).StatusCode);

        Assert.Equal("all", (await alice.ReceiveAsync()).GetProperty("data").GetString());
        Assert.Equal("alice", (await alice.ReceiveAsync()).GetProperty("data").GetString());
        Assert.Equal("all", (await bob.ReceiveAsync()).GetProperty("data").GetString());
        Assert.Equal("bob", (await bob.ReceiveAsync()).GetProperty("data").GetString());
    }

    [Fact]
    public async Task A_binary_body_arrives_base64()
    {
        await using var client = await ConnectAsync(ClientToken(null));
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync($"/connections/{client.ConnectionId}/:send", "abc", "application/octet-stream")).StatusCode);
        var message = await client.ReceiveAsync();
        Assert.Equal("binary", message.GetProperty("dataType").GetString());
        Assert.Equal("YWJj", message.GetProperty("data").GetString());
    }

    [Fact]
    public async Task The_audience_may_carry_the_query_or_not()
    {
        var withQuery = await PostAsync("/:send", "1");
        var withoutQuery = await PostAsync("/:send", "1", audience: $"{_standIn.BaseUrl}/api/hubs/{Hub}/:send");
        Assert.Equal(HttpStatusCode.Accepted, withQuery.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, withoutQuery.StatusCode);
    }

    [Fact]
    public async Task REST_tokens_for_another_url_expired_or_signed_with_another_key_are_refused()
    {
        var otherUrl = await PostAsync("/groups/g1/:send", "1", audience: $"{_standIn.BaseUrl}/api/hubs/{Hub}/groups/g2/:send");
        var expired = await PostAsync("/:send", "1", token: TestTokens.Create(
            _standIn.AccessKey, $"{_standIn.BaseUrl}/api/hubs/{Hub}/:send", _clock.GetUtcNow().AddSeconds(-1)));
        var otherKey = await PostAsync("/:send", "1", token: TestTokens.Create(
            new string('k', 44), $"{_standIn.BaseUrl}/api/hubs/{Hub}/:send", _clock.GetUtcNow().AddMinutes(1)));
        var none = await _http.PostAsync($"{_standIn.BaseUrl}/api/hubs/{Hub}/:send?api-version=2024-12-01", new StringContent("1"));

        Assert.Equal(HttpStatusCode.Unauthorized, otherUrl.StatusCode);
        Assert.Contains("aud", await otherUrl.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);
        Assert.Contains("expired", await expired.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, otherKey.StatusCode);
        Assert.Contains("signature", await otherKey.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Empty(_standIn.Sends);
    }

    [Fact]
    public async Task A_token_expires_on_the_stand_ins_clock()
    {
        var url = $"{_standIn.BaseUrl}/api/hubs/{Hub}/:send";
        var token = TestTokens.Create(_standIn.AccessKey, url, _clock.GetUtcNow().AddSeconds(60));
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync("/:send", "1", token: token)).StatusCode);
        _clock.Advance(TimeSpan.FromSeconds(61));
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync("/:send", "1", token: token)).StatusCode);
    }

    [Fact]
    public async Task Bad_requests_are_refused_in_words()
    {
        var noVersion = new HttpRequestMessage(HttpMethod.Post, $"{_standIn.BaseUrl}/api/hubs/{Hub}/:send") { Content = new StringContent("1") };
        var notJson = await PostAsync("/:send", "{not json");
        var badType = await PostAsync("/:send", "<x/>", "application/xml");

        Assert.Equal(HttpStatusCode.BadRequest, (await _http.SendAsync(noVersion)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);
        Assert.Contains("not valid JSON", await notJson.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, badType.StatusCode);
    }

    [Fact]
    public async Task Injected_failures_answer_in_place_of_the_send()
    {
        _standIn.FailNextSends(1, HttpStatusCode.TooManyRequests, TimeSpan.FromSeconds(2));

        var throttled = await PostAsync("/:send", "1");
        var next = await PostAsync("/:send", "2");

        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(2), throttled.Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.Accepted, next.StatusCode);
        Assert.Equal("2", Assert.Single(_standIn.Sends).Body);
    }

    [Fact]
    public async Task A_client_needs_a_valid_token_and_the_subprotocol()
    {
        var expired = TestTokens.Create(_standIn.AccessKey, $"{_standIn.BaseUrl}/client/hubs/{Hub}", _clock.GetUtcNow().AddSeconds(-1));
        var otherHub = TestTokens.Create(_standIn.AccessKey, $"{_standIn.BaseUrl}/client/hubs/other", _clock.GetUtcNow().AddHours(1));

        await Assert.ThrowsAsync<WebSocketException>(() => ConnectAsync(expired));
        await Assert.ThrowsAsync<WebSocketException>(() => ConnectAsync(otherHub));
        using var plain = new ClientWebSocket();
        await Assert.ThrowsAsync<WebSocketException>(() => plain.ConnectAsync(
            new Uri(_standIn.BaseUrl.Replace("http://", "ws://") + $"/client/hubs/{Hub}?access_token={ClientToken(null)}"), CancellationToken.None));
        Assert.Equal(0, _standIn.ConnectionCount(Hub));
    }

    [Fact]
    public async Task Roles_decide_which_groups_a_client_may_join_and_send_to()
    {
        await using var client = await ConnectAsync(ClientToken("u1",
            "webpubsub.joinLeaveGroup.agent.a", "webpubsub.sendToGroup.agent.a"));

        var joinOwn = await client.SendForAckAsync(new { type = "joinGroup", group = "agent.a", ackId = 1 }, 1);
        var joinOther = await client.SendForAckAsync(new { type = "joinGroup", group = "agent.b", ackId = 2 }, 2);
        var sendOther = await client.SendForAckAsync(new { type = "sendToGroup", group = "agent.b", ackId = 3, data = "x", dataType = "text" }, 3);

        Assert.True(joinOwn.GetProperty("success").GetBoolean());
        Assert.False(joinOther.GetProperty("success").GetBoolean());
        Assert.Equal("Forbidden", joinOther.GetProperty("error").GetProperty("name").GetString());
        Assert.False(sendOther.GetProperty("success").GetBoolean());
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync("/groups/agent.b/:send", "\"b\"")).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync("/groups/agent.a/:send", "\"a\"")).StatusCode);
        Assert.Equal("a", (await client.ReceiveAsync()).GetProperty("data").GetString());
    }

    [Fact]
    public async Task SendToGroup_reaches_members_with_the_senders_user_and_acks_once_per_ackId()
    {
        await using var sender = await ConnectAsync(ClientToken("alice", "webpubsub.sendToGroup", "webpubsub.joinLeaveGroup"));
        await using var member = await ConnectAsync(ClientToken("bob", "webpubsub.joinLeaveGroup"));
        await member.SendForAckAsync(new { type = "joinGroup", group = "room", ackId = 1 }, 1);

        var sent = await sender.SendForAckAsync(new { type = "sendToGroup", group = "room", ackId = 7, noEcho = true, dataType = "json", data = new { hi = 1 } }, 7);
        var again = await sender.SendForAckAsync(new { type = "sendToGroup", group = "room", ackId = 7, dataType = "json", data = new { hi = 2 } }, 7);

        Assert.True(sent.GetProperty("success").GetBoolean());
        Assert.Equal("Duplicate", again.GetProperty("error").GetProperty("name").GetString());
        var message = await member.ReceiveAsync();
        Assert.Equal("group", message.GetProperty("from").GetString());
        Assert.Equal("room", message.GetProperty("group").GetString());
        Assert.Equal("alice", message.GetProperty("fromUserId").GetString());
        Assert.Equal(1, message.GetProperty("data").GetProperty("hi").GetInt32());
    }

    [Fact]
    public async Task A_client_that_left_a_group_gets_nothing_more_from_it()
    {
        await using var client = await ConnectAsync(ClientToken("u1", "webpubsub.joinLeaveGroup"));
        await client.SendForAckAsync(new { type = "joinGroup", group = "g", ackId = 1 }, 1);
        await client.SendForAckAsync(new { type = "leaveGroup", group = "g", ackId = 2 }, 2);

        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync("/groups/g/:send", "\"g\"")).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync($"/connections/{client.ConnectionId}/:send", "\"direct\"")).StatusCode);
        Assert.Equal("direct", (await client.ReceiveAsync()).GetProperty("data").GetString());
    }
}
