using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using AgentOS.Voice.Twilio;
using AgentOS.Voice.Twilio.Webhooks;
using Microsoft.AspNetCore.Http;

namespace AgentOS.Voice.Simulator.Tests.Support;

/// <summary>
/// A tiny ConversationRelay agent: answers prompts with a few text tokens. "long" answers are deliberately slow to
/// stop: after two tokens it waits for the interrupt and then still sends three more (stale) tokens. "transfer" ends
/// the session with handoffData; "spanish" sends a language message first. Mode "drop" loses the connection after
/// setup; mode "forbidden" refuses the upgrade with 403.
/// </summary>
public sealed class RelayAgent(string authToken)
{
    public const string HandoffData = "{\"reasonCode\":\"live-agent-handoff\"}";
    private readonly ConcurrentQueue<JsonElement> _received = new();

    public IReadOnlyList<JsonElement> Received => _received.ToArray();

    public JsonElement? Setup => Received.Where(m => Type(m) == "setup").Cast<JsonElement?>().FirstOrDefault();

    public IEnumerable<JsonElement> OfType(string type) => Received.Where(m => Type(m) == type);

    public async Task HandleAsync(HttpContext context, string mode)
    {
        var url = TwilioRequestUrl.Rebuild(context.Request, null);
        if (!context.WebSockets.IsWebSocketRequest || mode == "forbidden" ||
            !TwilioSignatureCheck.IsValidUrl(authToken, url, context.Request.Headers[TwilioSignatureCheck.HeaderName]))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        if (mode == "drop")
        {
            // A crashing agent: reads the setup, then the connection just goes.
            await ReceiveAsync(socket);
            socket.Abort();
            return;
        }

        while (await ReceiveAsync(socket) is { } message)
        {
            switch (Type(message))
            {
                case "prompt":
                    if (!await AnswerAsync(socket, message.GetProperty("voicePrompt").GetString() ?? ""))
                    {
                        return;
                    }

                    break;
                case "dtmf":
                    // As the product's agents do: every key gets a reply.
                    await TokensAsync(socket, "You ", "pressed ", message.GetProperty("digit").GetString() ?? "");
                    await SendAsync(socket, new { type = "text", token = "", last = true });
                    break;
            }
        }

        if (socket.State == WebSocketState.CloseReceived)
        {
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
        }
    }

    private async Task<bool> AnswerAsync(WebSocket socket, string prompt)
    {
        if (prompt.Contains("long", StringComparison.Ordinal))
        {
            await TokensAsync(socket, "Once ", "upon ");
            await ReceiveAsync(socket); // the interrupt; ignored on purpose for a while
            await TokensAsync(socket, "a ", "time ", "there ");
            await SendAsync(socket, new { type = "text", token = "", last = true });
            return true;
        }

        if (prompt.Contains("transfer", StringComparison.Ordinal))
        {
            await SendAsync(socket, new { type = "text", token = "Transferring you.", last = true });
            await SendAsync(socket, new { type = "end", handoffData = HandoffData });
            return true;
        }

        if (prompt.Contains("spanish", StringComparison.Ordinal))
        {
            await SendAsync(socket, new { type = "language", ttsLanguage = "es-ES", transcriptionLanguage = "es-ES" });
        }

        await TokensAsync(socket, "You ", "said ", prompt);
        await SendAsync(socket, new { type = "text", token = "", last = true });
        return true;
    }

    private static async Task TokensAsync(WebSocket socket, params string[] tokens)
    {
        foreach (var token in tokens)
        {
            await SendAsync(socket, new { type = "text", token, last = false });
            await Task.Delay(10);
        }
    }

    private static Task SendAsync(WebSocket socket, object message) =>
        socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(message), WebSocketMessageType.Text, true, CancellationToken.None);

    private async Task<JsonElement?> ReceiveAsync(WebSocket socket)
    {
        var buffer = new byte[8192];
        using var message = new MemoryStream();
        while (true)
        {
            WebSocketReceiveResult result;
            try
            {
                result = await socket.ReceiveAsync(buffer, CancellationToken.None);
            }
            catch (WebSocketException)
            {
                return null;
            }

            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }

            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                var element = JsonDocument.Parse(Encoding.UTF8.GetString(message.ToArray())).RootElement.Clone();
                _received.Enqueue(element);
                return element;
            }
        }
    }

    private static string? Type(JsonElement message) => message.TryGetProperty("type", out var type) ? type.GetString() : null;
}
