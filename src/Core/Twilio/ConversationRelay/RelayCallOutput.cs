using System.Net.WebSockets;
using AgentOS.Voice.Conversation;

namespace AgentOS.Voice.Twilio.ConversationRelay;

/// <summary>
/// The connection under a <see cref="RelayCallOutput"/>: whole text frames out, then a close. Called under the
/// output's lock, one call at a time. Implementations drop sends quietly once the connection is closing or gone:
/// the receiving side notices the end and finishes the call.
/// </summary>
public interface IRelayFrameSink
{
    /// <summary>Whether a frame can still go out (open, and no close started from our side).</summary>
    bool CanSend { get; }

    /// <summary>Sends one frame; its bytes are only valid during the call.</summary>
    ValueTask SendAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken);

    /// <summary>Starts the close from our side, unless it has started already or the connection is gone.</summary>
    ValueTask CloseAsync(WebSocketCloseStatus status, string description, CancellationToken cancellationToken);
}

/// <summary>
/// The call core's outputs as ConversationRelay frames, the app → Twilio half of the protocol's serializer
/// (<see cref="RelayCallInputs"/> is the other half). Every frame is written into one reused buffer and sent under one
/// lock, so frames never interleave and a token costs no allocation here.
/// </summary>
public sealed class RelayCallOutput(IRelayFrameSink sink) : ICallOutput, IDisposable
{
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly RelayFrameWriter _writer = new();

    public async ValueTask SayAsync(string text, bool last, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            if (sink.CanSend)
            {
                await sink.SendAsync(_writer.WriteText(text, last), cancellationToken);
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

    /// <summary>Sends <c>end</c>, and once it is on the wire starts the close.</summary>
    public async ValueTask EndAsync(string? handoffData, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            if (sink.CanSend)
            {
                await sink.SendAsync(_writer.WriteEnd(handoffData), cancellationToken);
                await sink.CloseAsync(WebSocketCloseStatus.NormalClosure, "session ended", cancellationToken);
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
    /// Unbounded here: the sink bounds a close that Twilio does not answer.
    /// </summary>
    public async Task EndAndCloseAsync(string description)
    {
        await _lock.WaitAsync();
        try
        {
            if (sink.CanSend)
            {
                await sink.SendAsync(_writer.WriteEnd(null), CancellationToken.None);
            }

            await sink.CloseAsync(WebSocketCloseStatus.NormalClosure, description, CancellationToken.None);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Starts closing from our side (a shutdown, a refused setup) after any frame being sent.</summary>
    public async Task CloseAsync(WebSocketCloseStatus status, string description)
    {
        await _lock.WaitAsync();
        try
        {
            await sink.CloseAsync(status, description, CancellationToken.None);
        }
        finally
        {
            _lock.Release();
        }
    }

    private async ValueTask SendAsync(Func<RelayFrameWriter, object?, ReadOnlyMemory<byte>> write, object? state, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            if (sink.CanSend)
            {
                await sink.SendAsync(write(_writer, state), cancellationToken);
            }
        }
        finally
        {
            _lock.Release();
        }
    }

    public void Dispose()
    {
        _writer.Dispose();
        _lock.Dispose();
    }
}
