using System.Net.WebSockets;
using AgentOS.Voice.Conversation;
using AgentOS.Voice.Twilio.ConversationRelay;

namespace AgentOS.Voice.RelayHost;

/// <summary>
/// The ConversationRelay serializer for the call core's outputs: every frame is written into one reused buffer and
/// sent under one lock, so frames never interleave and a token costs no allocation here. Once the socket is closing or
/// gone, sends are dropped quietly: the receive loop notices the end and finishes the call. Once we start closing,
/// Twilio has the close timeout to answer; then the socket is aborted, which also ends the receive loop's read.
/// </summary>
internal sealed partial class RelaySocketOutput(WebSocket socket, TimeSpan closeTimeout, TimeProvider time, ILogger logger) : ICallOutput, IDisposable
{
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly RelayFrameWriter _writer = new();
    private ITimer? _abortAfterClose;
    private bool _closing;

    /// <summary>Whether we have started closing (after end, idle timeout or shutdown).</summary>
    public bool IsClosing => Volatile.Read(ref _closing);

    public async ValueTask SayAsync(string text, bool last, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            if (CanSend)
            {
                await SendLockedAsync(_writer.WriteText(text, last), cancellationToken);
            }
        }
        finally
        {
            _lock.Release();
        }
    }

    public ValueTask PlayAsync(Uri source, CancellationToken cancellationToken) =>
        SendAsync(static (w, s) => w.WritePlay((Uri)s!), source, cancellationToken);

    public ValueTask SendDigitsAsync(string digits, CancellationToken cancellationToken) =>
        SendAsync(static (w, s) => w.WriteSendDigits((string)s!), digits, cancellationToken);

    public ValueTask SwitchLanguageAsync(string? speechLanguage, string? transcriptionLanguage, CancellationToken cancellationToken) =>
        SendAsync(static (w, s) =>
        {
            var (speech, transcription) = ((string?, string?))s!;
            return w.WriteLanguage(speech, transcription);
        }, (speechLanguage, transcriptionLanguage), cancellationToken);

    /// <summary>Sends <c>end</c>, and once it is on the wire starts the close handshake.</summary>
    public async ValueTask EndAsync(string? handoffData, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            if (CanSend)
            {
                await SendLockedAsync(_writer.WriteEnd(handoffData), cancellationToken);
                await CloseLockedAsync(WebSocketCloseStatus.NormalClosure, "session ended", cancellationToken);
            }
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>
    /// Ends the session from our side: <c>end</c>, then the close. Twilio then reports the session ended and the call
    /// hangs up, where a bare close would be a failed session that Twilio's action reconnects (right for a shutdown,
    /// which the caller should not notice; wrong for a silent caller, who would wait out the idle timeout again).
    /// </summary>
    public async Task EndAndCloseAsync(string description)
    {
        AbortAfterCloseTimeout();
        await _lock.WaitAsync();
        try
        {
            if (CanSend)
            {
                // Unbounded here, bounded by the abort above: a caller who stopped reading cannot hold this up.
                await SendLockedAsync(_writer.WriteEnd(null), CancellationToken.None);
            }

            if (!_closing && socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await CloseLockedAsync(WebSocketCloseStatus.NormalClosure, description, CancellationToken.None);
            }
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Starts closing the socket from our side (shutdown) after any frame being sent.</summary>
    public async Task CloseAsync(WebSocketCloseStatus status, string description)
    {
        // Bounded from here, not from when the lock is free: a send stuck behind a caller who stopped reading must
        // not hold the close up.
        AbortAfterCloseTimeout();
        await _lock.WaitAsync();
        try
        {
            // CloseReceived: Twilio closed first and waits for our half of the handshake.
            if (!_closing && socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await CloseLockedAsync(status, description, CancellationToken.None);
            }
        }
        finally
        {
            _lock.Release();
        }
    }

    private bool CanSend => !_closing && socket.State == WebSocketState.Open;

    private async ValueTask SendAsync(Func<RelayFrameWriter, object?, ReadOnlyMemory<byte>> write, object? state, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            if (CanSend)
            {
                await SendLockedAsync(write(_writer, state), cancellationToken);
            }
        }
        finally
        {
            _lock.Release();
        }
    }

    private async ValueTask SendLockedAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        try
        {
            await socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        }
        catch (Exception e) when (e is WebSocketException or IOException or ObjectDisposedException)
        {
            Volatile.Write(ref _closing, true);
            LogSendFailed(e.Message);
        }
    }

    private async ValueTask CloseLockedAsync(WebSocketCloseStatus status, string description, CancellationToken cancellationToken)
    {
        Volatile.Write(ref _closing, true);
        AbortAfterCloseTimeout();
        try
        {
            await socket.CloseOutputAsync(status, description, cancellationToken);
        }
        catch (Exception e) when (e is WebSocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            LogSendFailed(e.Message);
        }
    }

    private void AbortAfterCloseTimeout()
    {
        if (Volatile.Read(ref _abortAfterClose) is null)
        {
            var timer = time.CreateTimer(static s => ((WebSocket)s!).Abort(), socket, closeTimeout, Timeout.InfiniteTimeSpan);
            if (Interlocked.CompareExchange(ref _abortAfterClose, timer, null) is not null)
            {
                timer.Dispose();
            }
        }
    }

    public void Dispose()
    {
        _abortAfterClose?.Dispose();
        _writer.Dispose();
        _lock.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Socket gone while sending: {Reason}")]
    private partial void LogSendFailed(string reason);
}
