using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using AgentOS.Voice.Simulator.Tests.Support;

namespace AgentOS.Voice.Simulator.Tests;

/// <summary>The console's softphone socket: a browser is the caller of a real simulated call to a (fake) agent.</summary>
public sealed class SoftphoneTests : IAsyncLifetime
{
    private const string ConsoleOrigin = "http://127.0.0.1:7071";

    private FakeApp _app = null!;
    private PhoneSimulator _simulator = null!;

    private string SoftphoneUrl => "ws" + _simulator.BaseUrl["http".Length..] + $"/sim/softphone?agentId=front-desk&to={Uri.EscapeDataString(Harness.AgentNumber)}&from=%2B15550107777";

    public async Task InitializeAsync()
    {
        _app = await FakeApp.StartAsync(Harness.AuthToken);
        _app.Serve("/agents/front-desk/incoming", $"""
            <Response>
              <Connect action="/relay-action"><ConversationRelay url="{_app.WsBaseUrl}/relay/agent" welcomeGreeting="Hi there"/></Connect>
            </Response>
            """);
        _app.Serve("/relay-action", "<Response><Dial><Number>+15550109999</Number></Dial></Response>");
        _simulator = new PhoneSimulator(new PhoneSimulatorOptions
        {
            AccountSid = Harness.AccountSid,
            AuthToken = Harness.AuthToken,
            TimeScale = 0.01,
            SoftphoneWebhook = _app.Url("/agents/{agentId}/incoming"),
            SoftphoneOrigin = ConsoleOrigin,
        });
        await _simulator.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _simulator.DisposeAsync();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task The_browser_talks_presses_a_key_and_is_handed_off_on_a_real_call()
    {
        using var browser = await ConnectAsync(ConsoleOrigin);

        var placed = await NextAsync(browser, "call");
        await NextAsync(browser, "connected");
        await SendAsync(browser, new { type = "say", text = "hello" });
        Assert.Equal("You said hello", await AnswerAsync(browser));
        await SendAsync(browser, new { type = "dtmf", digit = "5" });
        Assert.Equal("You pressed 5", await AnswerAsync(browser));
        await SendAsync(browser, new { type = "say", text = "transfer me" });
        Assert.Equal("Transferring you.", await AnswerAsync(browser));
        var end = await NextAsync(browser, "relay", m => m.GetProperty("message").GetProperty("type").GetString() == "end");
        var ended = await NextAsync(browser, "ended");

        Assert.Equal(RelayAgent.HandoffData, end.GetProperty("message").GetProperty("handoffData").GetString());
        Assert.Equal("completed", ended.GetProperty("status").GetString());
        Assert.Equal("5", Assert.Single(_app.Relay.OfType("dtmf")).GetProperty("digit").GetString());
        var incoming = Assert.Single(_app.RequestsTo("/agents/front-desk/incoming"));
        Assert.True(incoming.SignatureValid);
        Assert.Equal((placed.GetProperty("sid").GetString(), "+15550107777", Harness.AgentNumber), (incoming["CallSid"], incoming["From"], incoming["To"]));
    }

    [Fact]
    public async Task Hanging_up_in_the_browser_ends_the_call()
    {
        using var browser = await ConnectAsync(ConsoleOrigin);
        var sid = (await NextAsync(browser, "call")).GetProperty("sid").GetString()!;
        await NextAsync(browser, "connected");

        await SendAsync(browser, new { type = "hangup" });

        Assert.Equal("completed", (await NextAsync(browser, "ended")).GetProperty("status").GetString());
        Assert.True(_simulator.FindCall(sid)!.IsFinished);
    }

    [Theory]
    [InlineData("http://evil.test")]
    [InlineData(null)]
    public async Task Only_the_console_origin_may_open_it(string? origin)
    {
        var refused = await Assert.ThrowsAsync<WebSocketException>(() => ConnectAsync(origin));

        Assert.Contains("403", refused.Message);
        Assert.Empty(_app.Requests);
    }

    private async Task<ClientWebSocket> ConnectAsync(string? origin)
    {
        var socket = new ClientWebSocket();
        if (origin is not null)
        {
            socket.Options.SetRequestHeader("Origin", origin);
        }

        await socket.ConnectAsync(new Uri(SoftphoneUrl), CancellationToken.None);
        return socket;
    }

    private static Task SendAsync(ClientWebSocket socket, object message) =>
        socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(message), WebSocketMessageType.Text, true, CancellationToken.None);

    /// <summary>The agent's next whole answer, token by token until last:true.</summary>
    private static async Task<string> AnswerAsync(ClientWebSocket socket)
    {
        var text = new StringBuilder();
        while (true)
        {
            var relay = (await NextAsync(socket, "relay", m => m.GetProperty("message").GetProperty("type").GetString() == "text")).GetProperty("message");
            text.Append(relay.GetProperty("token").GetString());
            if (relay.GetProperty("last").GetBoolean())
            {
                return text.ToString();
            }
        }
    }

    /// <summary>Reads until a message of <paramref name="type"/> (matching <paramref name="where"/>) arrives, skipping others.</summary>
    private static async Task<JsonElement> NextAsync(ClientWebSocket socket, string type, Func<JsonElement, bool>? where = null)
    {
        using var timeout = new CancellationTokenSource(Harness.Timeout);
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var received = await socket.ReceiveAsync(buffer, timeout.Token);
            Assert.True(received.MessageType == WebSocketMessageType.Text, $"the socket closed while waiting for {type}");
            var message = JsonSerializer.Deserialize<JsonElement>(buffer.AsSpan(0, received.Count));
            if (message.GetProperty("type").GetString() == type && (where is null || where(message)))
            {
                return message;
            }
        }
    }
}
