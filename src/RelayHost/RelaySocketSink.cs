using System.Net.WebSockets;
using AgentOS.Voice.Twilio.ConversationRelay;

namespace AgentOS.Voice.RelayHost;

/// <summary>
/// The socket under a session's <see cref="RelayCallOutput"/>. Once the socket is closing or gone, sends are dropped
/// quietly: the receive loop notices the end and finishes the call. Once we start closing, Twilio has the close
/// timeout to answer; then the socket is aborted, which also ends the receive loop's read.
/// </summary>
public sealed partial class RelaySocketSink(WebSocket socket, TimeSpan closeTimeout, TimeProvider time, ILogger logger) : IRelayFrameSink, IDisposable
{
    private ITimer? _abortAfterClose;
    private bool _closing;

    /// <summary>Whether we have started closing (after end, idle timeout or shutdown), or a send found the socket gone.</summary>
    public bool IsClosing => Volatile.Read(ref _closing);

    public bool CanSend => !IsClosing && socket.State == WebSocketState.Open;

    public async ValueTask SendAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
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

    public async ValueTask CloseAsync(WebSocketCloseStatus status, string description, CancellationToken cancellationToken)
    {
        // CloseReceived: Twilio closed first and waits for our half of the handshake.
        if (IsClosing || socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived))
        {
            return;
        }

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

    /// <summary>
    /// Bounds a close we are about to start. Called before waiting for the output's lock, not once it is free: a send
    /// stuck behind a caller who stopped reading must not hold the close up.
    /// </summary>
    public void AbortAfterCloseTimeout()
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

    public void Dispose() => _abortAfterClose?.Dispose();

    [LoggerMessage(Level = LogLevel.Debug, Message = "Socket gone while sending: {Reason}")]
    private partial void LogSendFailed(string reason);
}
