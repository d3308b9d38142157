using System.Buffers;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using AgentOS.Voice.Simulator.Signing;

namespace AgentOS.Voice.Simulator.Relay;

/// <summary>
/// The caller's side of a ConversationRelay socket, as Twilio speaks it: signed upgrade, <c>setup</c>, prompts,
/// interrupts, DTMF. One socket and one receive loop; incoming messages are read with a forward-only JSON reader
/// because a load test runs many of these at once.
/// </summary>
public sealed class ConversationRelayCaller : IAsyncDisposable
{
    private readonly ClientWebSocket _socket;
    private readonly long _origin = Stopwatch.GetTimestamp();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _receiveLoop;
    private readonly TaskCompletionSource _sessionOver = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TurnTracker? _current;
    private int _ended;

    private ConversationRelayCaller(ClientWebSocket socket)
    {
        _socket = socket;
        _receiveLoop = Task.Run(ReceiveLoopAsync);
    }

    public CallerResult Result { get; } = new();

    /// <summary>The <see cref="Stopwatch"/> timestamp the caller's times count from (they are times since it connected).</summary>
    public long ClockOrigin => _origin;

    /// <summary>Called on the receive loop for every message the agent sends (for live display); keep it quick.</summary>
    public Action<CallerMessage>? MessageReceived { get; set; }

    /// <summary>Completes when the session is over: the agent sent <c>end</c>, the socket closed, or the caller hung up.</summary>
    public Task SessionOver => _sessionOver.Task;

    /// <summary>
    /// Opens the socket with Twilio's upgrade signature (the URL alone, no parameters). Throws
    /// <see cref="WebSocketException"/> when the server refuses (e.g. 403) or cannot be reached.
    /// </summary>
    public static async Task<ConversationRelayCaller> ConnectAsync(
        string url, string authToken, IEnumerable<KeyValuePair<string, string>>? headers = null, CancellationToken cancellationToken = default)
    {
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader(TwilioRequestSigner.HeaderName, TwilioRequestSigner.Sign(authToken, url));
        foreach (var (name, value) in headers ?? [])
        {
            socket.Options.SetRequestHeader(name, value);
        }

        try
        {
            await socket.ConnectAsync(new Uri(url), cancellationToken);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new ConversationRelayCaller(socket);
    }

    public Task SendSetupAsync(RelaySetup setup, CancellationToken cancellationToken = default) =>
        SendAsync("setup", writer =>
        {
            writer.WriteString("sessionId", setup.SessionId);
            writer.WriteString("accountSid", setup.AccountSid);
            writer.WriteString("parentCallSid", "");
            writer.WriteString("callSid", setup.CallSid);
            writer.WriteString("from", setup.From);
            writer.WriteString("to", setup.To);
            writer.WriteString("forwardedFrom", "");
            writer.WriteString("callType", "PSTN");
            writer.WriteString("callerName", "");
            writer.WriteString("direction", setup.Direction);
            writer.WriteString("callStatus", setup.CallStatus);
            writer.WriteStartObject("customParameters");
            foreach (var (name, value) in setup.CustomParameters)
            {
                writer.WriteString(name, value);
            }

            writer.WriteEndObject();
        }, cancellationToken);

    /// <summary>Sends a final prompt and starts a new turn; does not wait for the answer.</summary>
    public Task<CallerTurn> SendPromptAsync(string text, CancellationToken cancellationToken = default) =>
        SendPromptAsync(text, lastWordAt: null, cancellationToken);

    /// <summary>
    /// Sends a final prompt whose words the caller finished saying at <paramref name="lastWordAt"/> (the caller's clock,
    /// as <see cref="SendPartialAsync"/> returns it) and starts a new turn; does not wait for the answer.
    /// </summary>
    public Task<CallerTurn> SendPromptAsync(string text, TimeSpan? lastWordAt, CancellationToken cancellationToken) =>
        StartTurnAsync(new CallerTurn(text, Now) { LastWordAt = lastWordAt }, "prompt", writer =>
        {
            writer.WriteString("voicePrompt", text);
            writer.WriteString("lang", "en-US");
            writer.WriteBoolean("last", true);
        }, cancellationToken);

    /// <summary>Whether the TwiML asked for partial prompts: then a script's <see cref="SayStep"/> is spoken at its pace (<see cref="CallerScripts"/>).</summary>
    public bool PartialPrompts { get; set; }

    /// <summary>
    /// Sends a partial prompt (<c>last:false</c>): the words heard so far, no new turn. Returns when it was handed to the
    /// socket, on the caller's clock (<see cref="CallerTurn.PromptSentAt"/>'s).
    /// </summary>
    public Task<TimeSpan> SendPartialAsync(string text, CancellationToken cancellationToken = default) =>
        SendAsync("prompt", writer =>
        {
            writer.WriteString("voicePrompt", text);
            writer.WriteString("lang", "en-US");
            writer.WriteBoolean("last", false);
        }, cancellationToken);

    /// <summary>
    /// Presses a key and starts a new turn: the agent's reply to a key (a menu's text, or the model's answer) is its
    /// own answer, never glued onto the previous one. Does not wait for the reply.
    /// </summary>
    public Task<CallerTurn> PressKeyAsync(char digit, CancellationToken cancellationToken = default) =>
        StartTurnAsync(new CallerTurn($"(pressed {digit})", Now) { Key = digit }, "dtmf",
            writer => writer.WriteString("digit", digit.ToString()), cancellationToken);

    /// <summary>The turn the caller's last prompt or key started, null before the first.</summary>
    internal TurnTracker? CurrentTurn => Volatile.Read(ref _current);

    /// <summary>Waits until the current turn's answer ends (text last:true or end), or the session is over.</summary>
    public Task WaitForAnswerAsync(CancellationToken cancellationToken = default) =>
        CurrentTurn is { } turn
            ? Task.WhenAny(turn.Done.Task, _sessionOver.Task).WaitAsync(cancellationToken)
            : Task.CompletedTask;

    private async Task<CallerTurn> StartTurnAsync(CallerTurn record, string type, Action<Utf8JsonWriter> writeFields, CancellationToken cancellationToken)
    {
        var turn = new TurnTracker(record);
        Result.AddTurn(record);
        Volatile.Write(ref _current, turn);
        record.PromptOnWire(await SendAsync(type, writeFields, cancellationToken));
        return record;
    }

    /// <summary>Says something and waits until the agent's answer ends.</summary>
    public async Task<CallerTurn> SayAsync(string text, CancellationToken cancellationToken = default)
    {
        await SendPromptAsync(text, cancellationToken);
        var turn = CurrentTurn!;
        await turn.Done.Task.WaitAsync(cancellationToken);
        return turn.Record;
    }

    /// <summary>Interrupts the current answer with what has been heard of it; returns false when there is nothing to interrupt.</summary>
    public async Task<bool> InterruptAsync(CancellationToken cancellationToken = default)
    {
        var turn = CurrentTurn;
        if (turn is null || turn.Done.Task.IsCompleted)
        {
            return false;
        }

        var now = Now;
        var heard = turn.Record.Interrupt(now);
        var playedMs = (long)(now - (turn.Record.FirstTokenAt ?? now)).TotalMilliseconds;
        await SendAsync("interrupt", writer =>
        {
            writer.WriteString("utteranceUntilInterrupt", heard);
            writer.WriteNumber("durationUntilInterruptMs", playedMs);
        }, cancellationToken);
        return true;
    }

    /// <summary>Closes the socket normally, as Twilio does when the caller hangs up.</summary>
    public async Task HangUpAsync(CancellationToken cancellationToken = default)
    {
        if (!TryClaimEnd())
        {
            return;
        }

        Result.CallerHungUp = true;
        try
        {
            await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "caller hung up", cancellationToken);
        }
        catch (WebSocketException)
        {
            // Already broken: the session is over either way.
        }

        SignalSessionOver();
    }

    private TimeSpan Now => Stopwatch.GetElapsedTime(_origin);

    /// <summary>Sends one message; returns the moment it was handed to the socket, its JSON written and the send lock held.</summary>
    private async Task<TimeSpan> SendAsync(string type, Action<Utf8JsonWriter> writeFields, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", type);
            writeFields(writer);
            writer.WriteEndObject();
        }

        await _sendLock.WaitAsync(cancellationToken);
        TimeSpan at;
        try
        {
            at = Now;
            await _socket.SendAsync(buffer.WrittenMemory, WebSocketMessageType.Text, true, cancellationToken);
        }
        finally
        {
            _sendLock.Release();
        }

        Result.AddMessage(new CallerMessage(at, true, type, Encoding.UTF8.GetString(buffer.WrittenSpan)));
        return at;
    }

    private async Task ReceiveLoopAsync()
    {
        var message = new ArrayBufferWriter<byte>(4096);
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var received = await _socket.ReceiveAsync(message.GetMemory(4096), _stop.Token);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                message.Advance(received.Count);
                if (received.EndOfMessage)
                {
                    OnMessage(message.WrittenSpan);
                    message.ResetWrittenCount();
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            Result.Error ??= ex is WebSocketException ? ex.Message : null;
        }

        if (TryClaimEnd())
        {
            Result.SocketLost = true;
        }

        SignalSessionOver();
    }

    private void OnMessage(ReadOnlySpan<byte> json)
    {
        var at = Now;
        var parsed = IncomingMessage.Parse(json);
        var record = new CallerMessage(at, false, parsed.Type ?? "", Encoding.UTF8.GetString(json));
        Result.AddMessage(record);
        var turn = CurrentTurn;
        switch (parsed.Type)
        {
            case "text" when turn is not null:
                if (!string.IsNullOrEmpty(parsed.Token))
                {
                    turn.Record.AddToken(parsed.Token, at);
                    turn.TokenArrived();
                }

                if (parsed.Last)
                {
                    turn.Record.Completed = true;
                    turn.Done.TrySetResult();
                }

                break;
            case "end":
                if (TryClaimEnd())
                {
                    Result.EndedByAgent = true;
                    Result.HandoffData = parsed.HandoffData;
                }

                SignalSessionOver();
                break;
            case "language":
                Result.AddLanguage(record.Json);
                break;
        }

        MessageReceived?.Invoke(record);
    }

    // Exactly one of agent end, caller hang-up and socket loss ends a session; the first one wins.
    private bool TryClaimEnd() => Interlocked.Exchange(ref _ended, 1) == 0;

    private void SignalSessionOver()
    {
        var turn = CurrentTurn;
        turn?.Done.TrySetResult();
        _sessionOver.TrySetResult();
    }

    public async ValueTask DisposeAsync()
    {
        await HangUpAsync();
        if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            // The agent ended the session: Twilio closes the socket then, so the server sees a clean close.
            try
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "session over", CancellationToken.None);
            }
            catch (WebSocketException)
            {
                // Broken already; nothing to close.
            }
        }

        // Give the server a moment to answer the close handshake, then stop reading regardless.
        await Task.WhenAny(_receiveLoop, Task.Delay(TimeSpan.FromSeconds(2)));
        await _stop.CancelAsync();
        await _receiveLoop;
        _socket.Dispose();
        _stop.Dispose();
        _sendLock.Dispose();
    }
}
