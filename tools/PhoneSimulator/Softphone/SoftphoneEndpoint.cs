using System.Net.WebSockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using AgentOS.Voice.Simulator.Calls;
using AgentOS.Voice.Simulator.Relay;
using AgentOS.Voice.Simulator.Rest;

namespace AgentOS.Voice.Simulator.Softphone;

/// <summary>
/// <c>/sim/softphone?agentId=&amp;to=&amp;from=</c>, a WebSocket for the console's softphone (local runs only, on
/// when <see cref="PhoneSimulatorOptions.SoftphoneWebhook"/> is set): places an inbound call to the agent through the
/// simulator, exactly as <c>phone-sim talk</c> does, and lets the browser be the caller.
/// Browser → simulator: <c>{"type":"say","text":…}</c>, <c>{"type":"interrupt"}</c>, <c>{"type":"dtmf","digit":"0"}</c>,
/// <c>{"type":"hangup"}</c>. Simulator → browser: <c>{"type":"call","sid":…}</c>, <c>{"type":"connected"}</c> when the
/// relay session is up, <c>{"type":"relay","message":{…}}</c> for every ConversationRelay message the agent sends (text
/// tokens, end, …), <c>{"type":"interrupted","ok":…}</c>, <c>{"type":"error","message":…}</c> and
/// <c>{"type":"ended","status":…}</c>. Only the configured console origin may open it: any web page can open a
/// WebSocket to 127.0.0.1, and the Origin header is what tells them apart.
/// </summary>
internal static partial class SoftphoneEndpoint
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex AgentId();

    public static void MapSoftphone(this WebApplication app, Switchboard switchboard, PhoneSimulatorOptions options) =>
        app.Map("/sim/softphone", async (HttpContext http) =>
        {
            if (!string.Equals(http.Request.Headers.Origin.ToString(), options.SoftphoneOrigin, StringComparison.OrdinalIgnoreCase))
            {
                return Results.Json(new { error = $"Only {options.SoftphoneOrigin} may open the softphone." }, statusCode: StatusCodes.Status403Forbidden);
            }

            var query = http.Request.Query;
            string agentId = query["agentId"].ToString(), to = query["to"].ToString(), from = query["from"].ToString();
            if (!AgentId().IsMatch(agentId) || !CreateCallForm.IsE164(to) || !CreateCallForm.IsE164(from))
            {
                return Results.Json(new { error = "agentId (letters, digits, - and _), to and from (E.164) are required." }, statusCode: StatusCodes.Status400BadRequest);
            }

            if (!http.WebSockets.IsWebSocketRequest)
            {
                return Results.Json(new { error = "This is a WebSocket endpoint." }, statusCode: StatusCodes.Status400BadRequest);
            }

            using var socket = await http.WebSockets.AcceptWebSocketAsync();
            await new Session(socket).RunAsync(switchboard, options.SoftphoneWebhook!.Replace("{agentId}", agentId, StringComparison.Ordinal), from, to, http.RequestAborted);
            return Results.Empty;
        });

    private sealed class Session(WebSocket browser)
    {
        // One writer drains it, so the agent's tokens reach the browser in the order they came.
        private readonly Channel<byte[]> _outbox = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
        private readonly TaskCompletionSource<ConversationRelayCaller> _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _hungUp = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task RunAsync(Switchboard switchboard, string webhook, string from, string to, CancellationToken aborted)
        {
            // The call's relay step holds the line until the browser hangs up or the agent ends the session.
            var pump = PumpAsync();
            var script = new CallerScript().Custom(async (caller, cancellationToken) =>
            {
                caller.MessageReceived = m => Send(new { type = "relay", message = JsonSerializer.Deserialize<JsonElement>(m.Json) });
                _connected.TrySetResult(caller);
                Send(new { type = "connected" });
                await Task.WhenAny(_hungUp.Task, caller.SessionOver).WaitAsync(cancellationToken);
            });
            var call = switchboard.PlaceInbound(from, to, webhook, script);
            Send(new { type = "call", sid = call.Sid });
            var reportEnd = ReportEndAsync(switchboard.WaitForAsync(c => c.Sid == call.Sid && c.IsFinished, call.Sid, Timeout.InfiniteTimeSpan, aborted));

            try
            {
                await ReadAsync(aborted);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException)
            {
                // The browser went away.
            }
            finally
            {
                // The browser hung up or went away: so does the caller.
                _hungUp.TrySetResult();
                if (_connected.Task.IsCompletedSuccessfully)
                {
                    await _connected.Task.Result.HangUpAsync(CancellationToken.None);
                }
            }

            // Let the browser hear how the call ended before the socket closes: a handed-off call goes on to its
            // transfer (a simulated 5 s) after the caller's side of the session is over.
            await Task.WhenAny(reportEnd, Task.Delay(TimeSpan.FromSeconds(30), CancellationToken.None));
            _outbox.Writer.TryComplete();
            await pump;
            if (browser.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await browser.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "call over", CancellationToken.None);
            }
        }

        private async Task ReportEndAsync(Task<SimulatedCall> finished)
        {
            try
            {
                Send(new { type = "ended", status = (await finished).Status });
            }
            catch (OperationCanceledException)
            {
                // The browser left first.
            }
        }

        private async Task PumpAsync()
        {
            await foreach (var bytes in _outbox.Reader.ReadAllAsync())
            {
                try
                {
                    if (browser.State == WebSocketState.Open)
                    {
                        await browser.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
                    }
                }
                catch (WebSocketException)
                {
                    // The browser left; the read loop sees it and hangs up.
                }
            }
        }

        private async Task ReadAsync(CancellationToken cancellationToken)
        {
            var buffer = new byte[16 * 1024];
            while (browser.State == WebSocketState.Open)
            {
                var received = await browser.ReceiveAsync(buffer, cancellationToken);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                if (!received.EndOfMessage)
                {
                    Send(new { type = "error", message = "Messages are at most 16 KB." });
                    return;
                }

                if (!await HandleAsync(buffer.AsMemory(0, received.Count), cancellationToken))
                {
                    return;
                }
            }
        }

        /// <summary>False when the browser hung up.</summary>
        private async Task<bool> HandleAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
        {
            string? type, text = null, digit = null;
            try
            {
                using var json = JsonDocument.Parse(frame);
                type = json.RootElement.GetProperty("type").GetString();
                text = json.RootElement.TryGetProperty("text", out var t) ? t.GetString() : null;
                digit = json.RootElement.TryGetProperty("digit", out var d) ? d.GetString() : null;
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                Send(new { type = "error", message = $"Not a softphone message: {e.Message}" });
                return true;
            }

            if (type == "hangup")
            {
                return false;
            }

            if (!_connected.Task.IsCompletedSuccessfully)
            {
                Send(new { type = "error", message = "The agent has not answered yet." });
                return true;
            }

            var caller = _connected.Task.Result;
            switch (type)
            {
                case "say" when !string.IsNullOrWhiteSpace(text):
                    await caller.SendPromptAsync(text.Trim(), cancellationToken);
                    break;
                case "interrupt":
                    Send(new { type = "interrupted", ok = await caller.InterruptAsync(cancellationToken) });
                    break;
                case "dtmf" when digit is { Length: 1 } && "0123456789*#".Contains(digit[0]):
                    await caller.PressKeyAsync(digit[0], cancellationToken);
                    break;
                default:
                    Send(new { type = "error", message = "Send say (with text), interrupt, dtmf (with one digit of 0-9, * or #) or hangup." });
                    break;
            }

            return true;
        }

        private void Send(object message) => _outbox.Writer.TryWrite(JsonSerializer.SerializeToUtf8Bytes(message, Json));
    }
}
