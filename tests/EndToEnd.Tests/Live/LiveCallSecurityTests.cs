using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using AgentOS.Voice.Calls;
using AgentOS.Voice.Simulator.Calls;
using AgentOS.Voice.Simulator.Relay;
using AgentOS.Voice.Simulator.Signing;
using AgentOS.Voice.Twilio;

namespace AgentOS.Voice.EndToEnd.Tests.Live;

/// <summary>What is not Twilio, or not well-formed, is refused or survived — over the running apps' real sockets.</summary>
public sealed class LiveCallSecurityTests(LiveCallStack stack) : IClassFixture<LiveCallStack>
{
    [Fact]
    public async Task Forged_relay_upgrade_is_refused_with_403()
    {
        var agent = await stack.CreateAgentAsync();
        var url = stack.RelayBaseUrl + RelayRoute.Path(agent.Id);

        foreach (var signature in new[] { TwilioRequestSigner.Sign("not-the-auth-token", url), TwilioRequestSigner.Sign(LiveCallStack.AuthToken, url + "?x=1"), "" })
        {
            using var socket = new ClientWebSocket();
            socket.Options.CollectHttpResponseDetails = true;
            socket.Options.SetRequestHeader(TwilioRequestSigner.HeaderName, signature);

            await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(new Uri(url), CancellationToken.None));
            Assert.Equal(HttpStatusCode.Forbidden, socket.HttpStatusCode);
        }
    }

    [Fact]
    public async Task A_finished_calls_relay_url_and_signature_open_nothing_later()
    {
        var agent = await stack.CreateAgentAsync(a => a with { Script = [new("hello", "Hello there.")] });
        var call = await stack.CallAgentAsync(agent, new CallerScript().Say("hello").HangUp());
        var session = Assert.Single(call.Events.OfType<RelaySessionEnded>());
        Assert.Equal("completed", session.SessionStatus);
        Assert.Contains("ticket=", session.Url, StringComparison.Ordinal);

        // Everything an observer of that upgrade saw: its URL and Twilio's valid signature of it.
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.SetRequestHeader(TwilioRequestSigner.HeaderName, TwilioRequestSigner.Sign(LiveCallStack.AuthToken, session.Url));

        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(new Uri(session.Url), CancellationToken.None));
        Assert.Equal(HttpStatusCode.Forbidden, socket.HttpStatusCode);
    }

    [Fact]
    public async Task Forged_webhook_is_refused_with_403_and_creates_no_call()
    {
        var agent = await stack.CreateAgentAsync();
        var sid = "CA" + Guid.NewGuid().ToString("n");
        var form = new Dictionary<string, string> { ["CallSid"] = sid, ["From"] = "+14155550123", ["To"] = agent.PhoneNumber, ["CallStatus"] = "ringing" };
        var url = $"{stack.FunctionsBaseUrl}/agents/{agent.Id}/incoming-call";
        using var http = new HttpClient();

        // Signed with the right token but over other parameters: someone replaying a signature with a changed caller.
        var tampered = TwilioRequestSigner.Sign(LiveCallStack.AuthToken, url, new Dictionary<string, string>(form) { ["From"] = "+14155550999" });
        foreach (var signature in new[] { tampered, TwilioRequestSigner.Sign("not-the-auth-token", url, form) })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(form) };
            request.Headers.Add(TwilioRequestSigner.HeaderName, signature);
            using var response = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        Assert.Null(await stack.Calls.GetCallAsync(sid));
    }

    [Fact]
    public async Task Malformed_messages_are_skipped_and_the_call_goes_on()
    {
        var agent = await stack.CreateAgentAsync(a => a with { Script = [new("hello", "Hello there, how can I help?")] });
        var callId = "CA" + Guid.NewGuid().ToString("n");
        var url = stack.RelayBaseUrl + RelayRoute.Path(agent.Id) + RelayTickets.Query(LiveCallStack.TicketSecret, agent.Id, callId, 1, DateTimeOffset.UtcNow.AddMinutes(2));
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader(TwilioRequestSigner.HeaderName, TwilioRequestSigner.Sign(LiveCallStack.AuthToken, url));
        await socket.ConnectAsync(new Uri(url), CancellationToken.None);

        await SendAsync(socket, "not json at all");
        await SendAsync(socket, "{\"type\":\"prompt\",\"voicePrompt\":\"before setup\",\"last\":true}");
        await SendAsync(socket, JsonSerializer.Serialize(new
        {
            type = "setup", sessionId = "VX1", accountSid = LiveCallStack.AccountSid, callSid = callId, from = "+14155550123", to = agent.PhoneNumber,
            direction = "inbound", callStatus = "RINGING", customParameters = new { callId, agentId = agent.Id },
        }));
        await SendAsync(socket, "{\"type\":\"prompt\",\"last\":true}");
        await SendAsync(socket, "[1,2,3]");
        await SendAsync(socket, "{\"type\":42}");
        await SendAsync(socket, "{\"type\":\"no-such-type\"}");
        await SendAsync(socket, "{\"type\":\"dtmf\"}");
        await socket.SendAsync(new byte[] { 0, 1, 2, 3 }, WebSocketMessageType.Binary, true, CancellationToken.None);
        await SendAsync(socket, "{\"type\":\"prompt\",\"voicePrompt\":\"hello\",\"lang\":\"en-US\",\"last\":true}");

        var answer = await ReadAnswerAsync(socket);
        Assert.Equal("Hello there, how can I help?", answer);
        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "caller hung up", CancellationToken.None);

        var record = await stack.WaitForRecordAsync(callId, r => r.State == AgentOS.Voice.Calls.CallState.Ended, "the session to end");
        Assert.Equal(AgentOS.Voice.Calls.CallEndReasons.CallerHungUp, record.EndReason);
        var transcript = await stack.WaitForTranscriptAsync(callId, 3);
        Assert.Equal(["Hello, this is the front desk.", "hello", "Hello there, how can I help?"], transcript.Select(t => t.Text));
    }

    private static Task SendAsync(ClientWebSocket socket, string json) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, true, CancellationToken.None);

    /// <summary>Joins the text tokens of one answer, up to the token marked last.</summary>
    private static async Task<string> ReadAnswerAsync(ClientWebSocket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var answer = new StringBuilder();
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var count = 0;
            ValueWebSocketReceiveResult result;
            do
            {
                result = await socket.ReceiveAsync(buffer.AsMemory(count), timeout.Token);
                count += result.Count;
            }
            while (!result.EndOfMessage);

            Assert.NotEqual(WebSocketMessageType.Close, result.MessageType);
            using var message = JsonDocument.Parse(buffer.AsMemory(0, count));
            if (message.RootElement.GetProperty("type").GetString() != "text")
            {
                continue;
            }

            answer.Append(message.RootElement.GetProperty("token").GetString());
            if (message.RootElement.TryGetProperty("last", out var last) && last.GetBoolean())
            {
                return answer.ToString();
            }
        }
    }
}
