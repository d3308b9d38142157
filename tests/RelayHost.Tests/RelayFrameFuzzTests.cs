using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using AgentOS.Voice.Simulator.Signing;
using AgentOS.Voice.TestSupport;
using AgentOS.Voice.TestSupport.Fuzz;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentOS.Voice.RelayHost.Tests;

/// <summary>
/// Thousands of mutated ConversationRelay frames (from the documented ones in the reference vectors) into real
/// sessions over real WebSockets: a session ignores a frame or ends with a close Twilio understands, never crashes or
/// logs an unhandled error, and the host goes on opening and serving sessions. The seed and the failing cases are in
/// every failure message.
/// </summary>
[Collection(RelayCollection.Name)]
public sealed class RelayFrameFuzzTests : IDisposable
{
    private readonly ErrorLogCapture _errors = new();
    private readonly RelayTestHost _host;
    private readonly FuzzCorpus _corpus = new();

    public RelayFrameFuzzTests(AzuriteFixture azurite) =>
        _host = new RelayTestHost(azurite, services => services.AddSingleton<ILoggerProvider>(_errors));

    private static List<JsonObject> Documented(string type) =>
        RepoPaths.Vectors("conversation-relay.json").GetProperty("fromTwilio").EnumerateArray()
            .Select(v => JsonNode.Parse(v.GetProperty("json").GetRawText())!.AsObject())
            .Where(v => (type == "setup") == ((string?)v["type"] == "setup"))
            .ToList();

    [Fact]
    public async Task Mutated_frames_mid_call_are_survived_and_the_session_still_answers()
    {
        const int cases = 2000;
        const int checkEvery = 100;
        var agent = _host.AddAgent();
        var model = _host.Models.For(agent);
        var valid = Documented("mid-call");
        var sent = new List<FuzzCase>();
        Session? session = null;
        try
        {
            while (sent.Count < cases)
            {
                session ??= await OpenAsync(agent.Id, setUp: true, sent);
                var fuzz = _corpus.Mutate(valid[_corpus.Random.Next(valid.Count)]);
                sent.Add(fuzz);
                var type = _corpus.Random.Next(20) == 0 ? WebSocketMessageType.Binary : WebSocketMessageType.Text;
                if (type == WebSocketMessageType.Text && await EndsForInvalidTextAsync(session, fuzz))
                {
                    session = null;
                    continue;
                }

                if (!await session.TrySendAsync(fuzz.Body, type) || sent.Count % checkEvery == 0)
                {
                    // The session must still answer a prompt, or have ended with a close of its own.
                    var marker = $"Are you there {sent.Count}?";
                    if (await session.TrySendAsync(Encoding.UTF8.GetBytes($$"""{"type":"prompt","voicePrompt":"{{marker}}","lang":"en-US","last":true}"""), WebSocketMessageType.Text))
                    {
                        await Eventually.True(() => model.Requests.Any(r => r[^1].Text == marker) || session.Closed.IsCompleted,
                            Failure("the session to answer after these frames", sent[^Math.Min(sent.Count, checkEvery)..]));
                    }

                    if (session.Closed.IsCompleted)
                    {
                        await AssertDefinedEndAsync(session, sent[^1..]);
                        session = null;
                    }

                    AssertNoErrorLogged(sent[^Math.Min(sent.Count, checkEvery)..]);
                }
            }
        }
        finally
        {
            if (session is not null)
            {
                await session.DisposeAsync();
            }
        }

        await AssertHostStillServesAsync();
        AssertNoErrorLogged(sent[^1..]);
    }

    [Fact]
    public async Task Mutated_setups_are_refused_or_ignored_in_a_defined_way()
    {
        const int cases = 200;
        var agent = _host.AddAgent();
        var valid = Documented("setup");
        for (var i = 0; i < cases; i++)
        {
            var setup = valid[_corpus.Random.Next(valid.Count)];
            var fuzz = _corpus.Mutate(setup);
            await using var session = await OpenAsync(agent.Id, setUp: false, [fuzz]);
            if (await EndsForInvalidTextAsync(session, fuzz))
            {
                continue;
            }

            if (await session.TrySendAsync(fuzz.Body, WebSocketMessageType.Text))
            {
                try
                {
                    // A valid setup after the bad one: a session that ignored the first starts now, one that took it ignores this.
                    await session.Twilio.SetupAsync();
                    await session.Twilio.Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                }
                catch (Exception e) when (e is WebSocketException or InvalidOperationException)
                {
                    // The server closed first (a setup naming another call); the close it sent is checked below.
                }
            }

            await AssertDefinedEndAsync(session, [fuzz]);
            AssertNoErrorLogged([fuzz]);
        }

        await AssertHostStillServesAsync();
    }

    [Fact]
    public async Task Mutated_upgrade_urls_and_signatures_never_get_a_5xx()
    {
        const int cases = 1000;
        var agent = _host.AddAgent();
        for (var i = 0; i < cases; i++)
        {
            var ticket = _host.Ticket(agent.Id, "c-" + i);
            var query = Mutate(ticket);
            var signed = $"{RelayTestHost.PublicBase}/agents/{agent.Id}/ws{query}";
            var signature = _corpus.Random.Next(4) == 0 ? _corpus.OddText() : "sign";
            var what = new FuzzCase(i, "upgrade", Encoding.UTF8.GetBytes($"{query} signature={signature}"));
            if (!signature.All(char.IsAscii))
            {
                // HttpClient refuses to send a header that is not ASCII, so the server can never see one.
                continue;
            }

            TwilioSocket twilio;
            try
            {
                twilio = await _host.ConnectAsync(agent.Id, signature == "sign" ? TwilioRequestSigner.Sign(RelayTestHost.AuthToken, signed) : signature, query: query);
            }
            catch (Exception e) when (e is ArgumentException or FormatException or UriFormatException)
            {
                // Not a URL or header a client can send at all.
                continue;
            }

            await using (twilio)
            {
                Assert.True(twilio.Status is HttpStatusCode.SwitchingProtocols or (>= HttpStatusCode.BadRequest and < HttpStatusCode.InternalServerError),
                    Failure($"a 101 or 4xx, not {(int)twilio.Status}", [what]));
            }
        }

        AssertNoErrorLogged([]);
        await AssertHostStillServesAsync();
    }

    // A character of the ticket changed, a parameter's value replaced, or the query cut short.
    private string Mutate(string ticket)
    {
        var random = _corpus.Random;
        switch (random.Next(3))
        {
            case 0:
            {
                var at = random.Next(1, ticket.Length);
                return ticket[..at] + (char)random.Next(0x21, 0x7f) + ticket[(at + 1)..];
            }

            case 1:
            {
                var parts = ticket.TrimStart('?').Split('&');
                var which = random.Next(parts.Length);
                var name = parts[which].Split('=')[0];
                parts[which] = $"{name}={Uri.EscapeDataString(_corpus.OddText())}";
                return "?" + string.Join('&', parts);
            }

            default:
                return ticket[..random.Next(1, ticket.Length)];
        }
    }

    private async Task<Session> OpenAsync(string agentId, bool setUp, IReadOnlyList<FuzzCase> context)
    {
        var twilio = await _host.ConnectAsync(agentId);
        Assert.True(twilio.Status == HttpStatusCode.SwitchingProtocols, Failure($"the upgrade to succeed, not {(int)twilio.Status}", context.TakeLast(5)));
        var session = new Session(twilio);
        if (setUp)
        {
            await twilio.SetupAsync();
        }

        return session;
    }

    /// <summary>
    /// Text that is not UTF-8 breaks the WebSocket protocol itself: .NET's WebSocket sends 1007 and aborts the
    /// connection at once, so the close may or may not reach the client before the connection drops. The session must
    /// still end cleanly (nothing logged as an error) and the host go on serving; nothing more is sent on it.
    /// </summary>
    private async Task<bool> EndsForInvalidTextAsync(Session session, FuzzCase fuzz)
    {
        if (IsUtf8(fuzz.Body))
        {
            return false;
        }

        Assert.True(await session.TrySendAsync(fuzz.Body, WebSocketMessageType.Text), Failure("an open session", [fuzz]));
        var close = await session.Closed.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(close is null or WebSocketCloseStatus.InvalidPayloadData, Failure($"a 1007 close, not {close}", [fuzz]));
        await Eventually.True(() => _host.Services.GetRequiredService<RelaySessionRegistry>().LiveSessions == 0, Failure("the session to end", [fuzz]));
        await session.DisposeAsync();
        AssertNoErrorLogged([fuzz]);
        return true;
    }

    private static bool IsUtf8(byte[] bytes)
    {
        try
        {
            _ = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    private async Task AssertDefinedEndAsync(Session session, IReadOnlyList<FuzzCase> cases)
    {
        var close = await session.Closed.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(close is { } c && c != WebSocketCloseStatus.InternalServerError,
            Failure($"a close Twilio understands, not {(close is null ? "a dropped connection" : close.ToString())}", cases));
    }

    private void AssertNoErrorLogged(IReadOnlyList<FuzzCase> cases)
    {
        var errors = _errors.Take();
        Assert.True(errors.Count == 0, Failure("no error logged", cases) + "\nlogged:\n" + string.Join('\n', errors));
    }

    private async Task AssertHostStillServesAsync()
    {
        var agent = _host.AddAgent();
        _host.Models.For(agent).Reply("Still ", "here.");
        await using var twilio = await _host.ConnectAsync(agent.Id);
        await twilio.SetupAsync();
        await twilio.PromptAsync("Hello?");
        Assert.Equal(["Still ", "here.", ""], (await twilio.ReceiveAnswerAsync()).Select(m => m.GetProperty("token").GetString()));
    }

    private string Failure(string expected, IEnumerable<FuzzCase> cases) =>
        $"FUZZ_SEED={_corpus.Seed}: expected {expected}; after:\n" + string.Join('\n', cases);

    public void Dispose() => _host.Dispose();

    /// <summary>A socket whose server messages are read in the background, so answers never back up, until it closes.</summary>
    private sealed class Session : IAsyncDisposable
    {
        public Session(TwilioSocket twilio)
        {
            Twilio = twilio;
            Closed = ReadUntilClosedAsync(twilio.Socket);
        }

        public TwilioSocket Twilio { get; }

        /// <summary>The server's close status; null when the connection dropped without one.</summary>
        public Task<WebSocketCloseStatus?> Closed { get; }

        public async Task<bool> TrySendAsync(byte[] body, WebSocketMessageType type)
        {
            if (Closed.IsCompleted || Twilio.Socket.State != WebSocketState.Open)
            {
                return false;
            }

            try
            {
                await Twilio.Socket.SendAsync(body, type, true, CancellationToken.None);
                return true;
            }
            catch (WebSocketException)
            {
                return false;
            }
        }

        private static async Task<WebSocketCloseStatus?> ReadUntilClosedAsync(ClientWebSocket socket)
        {
            var buffer = new byte[64 * 1024];
            try
            {
                while (true)
                {
                    var result = await socket.ReceiveAsync(buffer, CancellationToken.None);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        await AnswerCloseAsync(socket);
                        return result.CloseStatus;
                    }
                }
            }
            catch (Exception e) when (e is WebSocketException or ObjectDisposedException)
            {
                return null;
            }
        }

        // The test's own close may cross this one; either way the server has had its answer.
        private static async Task AnswerCloseAsync(ClientWebSocket socket)
        {
            try
            {
                if (socket.State == WebSocketState.CloseReceived)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                }
            }
            catch (Exception e) when (e is WebSocketException or InvalidOperationException)
            {
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (Twilio.Socket.State == WebSocketState.Open)
            {
                try
                {
                    await Twilio.Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                }
                catch (WebSocketException)
                {
                }
            }

            await Closed.WaitAsync(TimeSpan.FromSeconds(30));
            Twilio.Socket.Dispose();
        }
    }
}
