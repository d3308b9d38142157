using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

using Xunit;

namespace AgentOS.Voice.TestSupport;

/// <summary>A Web PubSub client (json.webpubsub.azure.v1) over a real WebSocket, for tests against the stand-in.</summary>
public sealed class WebPubSubTestClient : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();

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
