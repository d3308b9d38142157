using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace AgentOS.Voice.WebPubSubStandIn.Tests;

/// <summary>A json.webpubsub.azure.v1 client over a real WebSocket.</summary>
internal sealed class TestClient : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();

    public string ConnectionId { get; private set; } = "";

    public static async Task<TestClient> ConnectAsync(WebPubSubStandIn standIn, string hub, string token)
    {
        var client = new TestClient();
        client._socket.Options.AddSubProtocol("json.webpubsub.azure.v1");
        var url = new Uri(standIn.BaseUrl.Replace("http://", "ws://") + $"/client/hubs/{hub}?access_token={token}");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await client._socket.ConnectAsync(url, timeout.Token);
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
