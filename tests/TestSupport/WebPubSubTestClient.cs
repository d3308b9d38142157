using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

using Xunit;

namespace AgentOS.Voice.TestSupport;

/// <summary>A Web PubSub client (json.webpubsub.azure.v1) over a real WebSocket, for tests against the stand-in.</summary>
public sealed class WebPubSubTestClient : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();
    private readonly Queue<JsonElement> _unread = new();
    private long _nextAckId = 1000;

    public string ConnectionId { get; private set; } = "";

    /// <summary>Connects to a client URL (ws://…/client/hubs/{hub}?access_token=…) and reads the connected event.</summary>
    public static async Task<WebPubSubTestClient> ConnectAsync(string url)
    {
        var client = new WebPubSubTestClient();
        client._socket.Options.AddSubProtocol("json.webpubsub.azure.v1");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await client._socket.ConnectAsync(new Uri(url), timeout.Token);
        var connected = await client.ReceiveAsync();
        Assert.Equal("system", connected.GetProperty("type").GetString());
        Assert.Equal("connected", connected.GetProperty("event").GetString());
        client.ConnectionId = connected.GetProperty("connectionId").GetString()!;
        return client;
    }

    public Task SendAsync(object message) =>
        _socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(message), WebSocketMessageType.Text, true, CancellationToken.None);

    /// <summary>Sends and returns the ack for <paramref name="ackId"/>.</summary>
    public async Task<JsonElement> SendForAckAsync(object message, ulong ackId)
    {
        await SendAsync(message);
        while (true)
        {
            var frame = await ReceiveAsync();
            if (frame.GetProperty("type").GetString() == "ack" && frame.GetProperty("ackId").GetUInt64() == ackId)
            {
                return frame;
            }
        }
    }

    /// <summary>Joins <paramref name="group"/> and fails unless the service acks it.</summary>
    public async Task JoinAsync(string group)
    {
        var ackId = (ulong)Interlocked.Increment(ref _nextAckId);
        var ack = await SendForAckAsync(new { type = "joinGroup", group, ackId }, ackId);
        Assert.True(ack.GetProperty("success").GetBoolean(), $"joining {group}: {ack}");
    }

    /// <summary>
    /// CloudEvents from the messages received (each message's data is a batch, a JSON array) until
    /// <paramref name="until"/> matches one; fails after 15 s without it. Events of the same batch after the match are
    /// kept for the next call.
    /// </summary>
    public async Task<List<JsonElement>> ReceiveEventsUntilAsync(Func<JsonElement, bool> until)
    {
        var events = new List<JsonElement>();
        while (_unread.TryDequeue(out var kept))
        {
            events.Add(kept);
            if (until(kept))
            {
                return events;
            }
        }

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (true)
        {
            JsonElement frame;
            try
            {
                frame = await ReceiveAsync(TimeSpan.FromSeconds(15));
            }
            catch (OperationCanceledException)
            {
                Assert.Fail("The awaited event did not come; received: " + string.Join(", ", events.Select(e => e.GetProperty("type").GetString())));
                throw;
            }

            if (frame.GetProperty("type").GetString() != "message")
            {
                continue;
            }

            var matched = false;
            foreach (var cloudEvent in frame.GetProperty("data").EnumerateArray())
            {
                if (matched)
                {
                    _unread.Enqueue(cloudEvent.Clone());
                    continue;
                }

                events.Add(cloudEvent.Clone());
                matched = until(cloudEvent);
            }

            if (matched)
            {
                return events;
            }

            Assert.False(deadline.IsCancellationRequested, "The awaited event did not come in 15 s; received: "
                + string.Join(", ", events.Select(e => e.GetProperty("type").GetString())));
        }
    }

    public async Task<JsonElement> ReceiveAsync(TimeSpan? within = null)
    {
        using var timeout = new CancellationTokenSource(within ?? TimeSpan.FromSeconds(10));
        var buffer = new byte[64 * 1024];
        var text = new StringBuilder();
        WebSocketReceiveResult result;
        do
        {
            result = await _socket.ReceiveAsync(buffer, timeout.Token);
            text.Append(Encoding.UTF8.GetString(buffer, 0, result.Count));
        }
        while (!result.EndOfMessage);

        return JsonDocument.Parse(text.ToString()).RootElement;
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            try
            {
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
            }
            catch (WebSocketException)
            {
            }
        }

        _socket.Dispose();
    }
}
