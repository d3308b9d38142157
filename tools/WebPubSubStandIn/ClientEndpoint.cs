using System.Buffers;
using System.Net.WebSockets;
using System.Text.Json;

namespace AgentOS.Voice.WebPubSubStandIn;

/// <summary>
/// Client WebSockets on <c>/client/hubs/{hub}</c> with the <c>json.webpubsub.azure.v1</c> subprotocol
/// (protocols.md §5.2–5.3): the token is checked at connect (aud, exp, signature), then joinGroup / leaveGroup /
/// sendToGroup are allowed by the token's roles and acknowledged when they carry an ackId.
/// </summary>
internal static class ClientEndpoint
{
    public const string Subprotocol = "json.webpubsub.azure.v1";

    public static void MapClientEndpoint(this WebApplication app, WebPubSubStandIn standIn)
    {
        app.Map("/client/hubs/{hub}", async (string hub, HttpContext context) =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                return RestApi.Error(400, "Connect with a WebSocket.");
            }

            if (!context.WebSockets.WebSocketRequestedProtocols.Contains(Subprotocol))
            {
                return RestApi.Error(400, $"Ask for the '{Subprotocol}' subprotocol; the stand-in serves no other.");
            }

            var token = context.Request.Query["access_token"].ToString() is { Length: > 0 } query
                ? query
                : context.Request.Headers.Authorization.ToString().Replace("Bearer ", "", StringComparison.OrdinalIgnoreCase).Trim();
            // The service's aud for clients is the endpoint + /client/hubs/{hub}, the scheme as in the endpoint.
            var audience = $"{context.Request.Scheme}://{context.Request.Host}/client/hubs/{hub}";
            var (holder, error) = await standIn.Tokens.ValidateAsync(token, [audience, audience + "/"]);
            if (holder is null)
            {
                return RestApi.Error(401, error!);
            }

            using var socket = await context.WebSockets.AcceptWebSocketAsync(Subprotocol);
            await RunAsync(standIn.HubNamed(hub), new ClientConnection(hub, socket, holder), holder, standIn.Stopping);
            return Results.Empty;
        });
    }

    private static async Task RunAsync(Hub hub, ClientConnection connection, TokenHolder holder, CancellationToken stopping)
    {
        hub.Add(connection);
        foreach (var group in holder.Groups)
        {
            hub.Join(connection, group);
        }

        connection.Enqueue(Frames.Connected(connection));
        var writer = connection.WriteLoopAsync(stopping);
        try
        {
            var buffer = new ArrayBufferWriter<byte>(4096);
            while (await ReceiveAsync(connection.Socket, buffer, stopping))
            {
                Handle(hub, connection, buffer.WrittenMemory);
                buffer.ResetWrittenCount();
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            // The client went away or the stand-in is stopping.
        }
        finally
        {
            hub.Remove(connection);
            connection.Complete();
            await writer.ContinueWith(_ => { }, TaskScheduler.Default);
            if (connection.Socket.State == WebSocketState.Open)
            {
                await connection.Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "stopping", CancellationToken.None);
            }
        }
    }

    private static async Task<bool> ReceiveAsync(WebSocket socket, ArrayBufferWriter<byte> buffer, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer.GetMemory(4096), cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return false;
            }

            buffer.Advance(result.Count);
            if (result.EndOfMessage)
            {
                return true;
            }
        }
    }

    private static void Handle(Hub hub, ClientConnection connection, ReadOnlyMemory<byte> frame)
    {
        JsonElement message;
        try
        {
            message = JsonDocument.Parse(frame).RootElement;
        }
        catch (JsonException)
        {
            return; // the service drops frames it cannot read
        }

        if (message.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        ulong? ackId = message.TryGetProperty("ackId", out var a) && a.TryGetUInt64(out var id) ? id : null;
        if (ackId is { } seen && !connection.FirstUseOf(seen))
        {
            connection.Enqueue(Frames.Ack(seen, "Duplicate", $"Message with ackId {seen} was already processed."));
            return;
        }

        var type = message.TryGetProperty("type", out var t) ? t.GetString() : null;
        var group = message.TryGetProperty("group", out var g) ? g.GetString() : null;
        string? refused = (type, group) switch
        {
            ("joinGroup" or "leaveGroup" or "sendToGroup", null or "") => "A group is required.",
            ("joinGroup" or "leaveGroup", _) when !connection.May("webpubsub.joinLeaveGroup", group!) =>
                $"The token has no role to join or leave group '{group}'.",
            ("sendToGroup", _) when !connection.May("webpubsub.sendToGroup", group!) =>
                $"The token has no role to send to group '{group}'.",
            ("joinGroup" or "leaveGroup" or "sendToGroup", _) => null,
            _ => $"'{type}' is not served by the stand-in (it has no upstream event handlers).",
        };
        var errorName = type is "joinGroup" or "leaveGroup" or "sendToGroup" ? "Forbidden" : "InternalServerError";
        if (refused is null)
        {
            switch (type)
            {
                case "joinGroup":
                    hub.Join(connection, group!);
                    break;
                case "leaveGroup":
                    hub.Leave(connection, group!);
                    break;
                default:
                    try
                    {
                        SendToGroup(hub, connection, group!, message);
                    }
                    catch (Exception e) when (e is FormatException or InvalidOperationException)
                    {
                        refused = "data does not match its dataType.";
                        errorName = "InternalServerError";
                    }

                    break;
            }
        }

        if (ackId is { } ack)
        {
            connection.Enqueue(refused is null ? Frames.Ack(ack) : Frames.Ack(ack, errorName, refused));
        }
    }

    private static void SendToGroup(Hub hub, ClientConnection sender, string group, JsonElement message)
    {
        var dataType = message.TryGetProperty("dataType", out var d) ? d.GetString() ?? "json" : "json";
        var data = message.TryGetProperty("data", out var value) ? value : default;
        byte[] payload = dataType switch
        {
            "json" => data.ValueKind == JsonValueKind.Undefined ? "null"u8.ToArray() : System.Text.Encoding.UTF8.GetBytes(data.GetRawText()),
            "binary" => Convert.FromBase64String(data.GetString() ?? ""),
            _ => System.Text.Encoding.UTF8.GetBytes(data.GetString() ?? ""),
        };
        var frame = Frames.Message(dataType is "json" or "text" ? dataType : "binary", payload, group, sender.UserId);
        var noEcho = message.TryGetProperty("noEcho", out var n) && n.ValueKind == JsonValueKind.True;
        foreach (var member in hub.InGroup(group))
        {
            if (!(noEcho && member == sender))
            {
                member.Enqueue(frame);
            }
        }
    }
}
