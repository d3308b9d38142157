using System.Buffers;
using System.Net.WebSockets;
using AgentOS.Voice.Agents;
using AgentOS.Voice.Calls;
using AgentOS.Voice.Conversation;
using AgentOS.Voice.Hosting;
using AgentOS.Voice.Twilio.ConversationRelay;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace AgentOS.Voice.RelayHost;

/// <summary>
/// One accepted ConversationRelay socket: receives frames into a pooled buffer (joining multi-frame messages) and hands
/// them to the protocol's serializer in Core (<see cref="RelayMessageParser"/>, <see cref="RelayCallInputs"/>,
/// <see cref="RelayCallOutput"/>), which turns frames into the call core's inputs and its outputs into frames. Bad
/// frames are logged and skipped. Ends when Twilio closes, when the call core sends <c>end</c>, after the idle
/// timeout, or when a drain runs out of time. Owns the socket and the registry slot and call claim it was admitted
/// with, and gives them back when it ends. The call is the one its ticket names: a setup that names another call or
/// agent closes the socket before anything is read or written for either.
/// </summary>
internal sealed partial class RelaySocketSession(WebSocket socket, Agent agent, RelayTicket ticket, IChatClient chat, RelayServices relay, RelaySocketSink sink)
{
    // Most ConversationRelay messages fit in 1 KB; a larger one grows the buffer (up to MaxMessageBytes) until the
    // message is read. Between messages no buffer is held (zero-byte receive), because most calls are idle most of
    // the time and each held buffer is memory every idle call costs.
    private const int InitialBufferBytes = 1024;

    private readonly ILogger _logger = relay.Logger;
    private readonly RelayCallOutput _output = new(sink);
    private ConversationSession? _session;
    private string _endReason = CallEndReasons.CallerHungUp;
    private long _lastHeard = relay.Time.GetTimestamp();

    public RelaySocketSession(WebSocket socket, Agent agent, RelayTicket ticket, IChatClient chat, RelayServices relay)
        : this(socket, agent, ticket, chat, relay, new RelaySocketSink(socket, relay.Options.CloseTimeout, relay.Time, relay.Logger))
    {
    }

    /// <summary>When the last whole message arrived, for the registry's idle sweep.</summary>
    public long LastHeardTimestamp => Volatile.Read(ref _lastHeard);

    /// <summary>Ends a silent call for good (end, then close), so Twilio hangs up instead of reconnecting it.</summary>
    public void CloseForIdle() => _ = EndForIdleAsync();

    public void CloseForShutdown() =>
        _ = CloseAsync(CallEndReasons.ServerShutdown, WebSocketCloseStatus.EndpointUnavailable, "server shutting down");

    /// <summary>
    /// Reads until Twilio closes or the socket is lost. A close we start (end, idle, shutdown) is bounded by the
    /// output, which aborts the socket if Twilio does not answer it in time; that ends the pending receive too.
    /// </summary>
    public async Task RunAsync()
    {
        relay.Registry.Track(this);
        byte[]? buffer = null;
        var count = 0;
        var oversized = false;
        try
        {
            while (true)
            {
                if (buffer is null)
                {
                    // Completes once the next frame's header has arrived; control frames are handled inside.
                    var next = await socket.ReceiveAsync(Memory<byte>.Empty, CancellationToken.None);
                    if (next.MessageType == WebSocketMessageType.Close)
                    {
                        break;
                    }

                    if (next.EndOfMessage)
                    {
                        // An empty message: nothing to read into a buffer.
                        Heard();
                        LogMalformed(CallId, "empty message");
                        continue;
                    }

                    buffer = ArrayPool<byte>.Shared.Rent(InitialBufferBytes);
                }

                if (count == buffer.Length)
                {
                    if (buffer.Length >= relay.Options.MaxMessageBytes)
                    {
                        // Too big to be a ConversationRelay message: drop what we have and skip to its end.
                        oversized = true;
                        count = 0;
                    }
                    else
                    {
                        var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, relay.Options.MaxMessageBytes));
                        buffer.AsSpan(0, count).CopyTo(bigger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = bigger;
                    }
                }

                var result = await socket.ReceiveAsync(buffer.AsMemory(count), CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                count += result.Count;
                if (!result.EndOfMessage)
                {
                    continue;
                }

                Heard();
                if (oversized)
                {
                    LogOversized(CallId, relay.Options.MaxMessageBytes);
                }
                else if (result.MessageType == WebSocketMessageType.Binary)
                {
                    LogBinary(CallId);
                }
                else
                {
                    await DispatchAsync(buffer.AsMemory(0, count));
                }

                count = 0;
                oversized = false;
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = null;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException)
        {
            LogConnectionLost(CallId, e.Message);
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            relay.Registry.Untrack(this);
            try
            {
                await FinishAsync();
            }
            finally
            {
                socket.Dispose();
                relay.Registry.ReleaseCall(ticket.CallId);
                relay.Registry.Exit();
            }
        }
    }

    private void Heard() => Volatile.Write(ref _lastHeard, relay.Time.GetTimestamp());

    private string CallId => ticket.CallId;

    private async Task DispatchAsync(ReadOnlyMemory<byte> frame)
    {
        var parsed = RelayMessageParser.Parse(frame.Span);
        if (!parsed.Succeeded)
        {
            LogMalformed(CallId, parsed.Failure!);
            return;
        }

        if (parsed.Message is SetupMessage setup)
        {
            // A session closing already (a refused setup before this one, idle, shutdown) starts no call.
            if (_session is null && !sink.IsClosing)
            {
                if (RelayCallInputs.MismatchWith(setup, ticket) is { } mismatch)
                {
                    LogSetupMismatch(ticket.CallId, mismatch);
                    await CloseAsync(CallEndReasons.Error, WebSocketCloseStatus.PolicyViolation, "setup does not match the session's ticket");
                    return;
                }

                _session = await StartSessionAsync(setup);
            }
            else if (_session is not null)
            {
                LogRepeatedSetup(CallId);
            }

            return;
        }

        if (_session is null)
        {
            LogBeforeSetup(parsed.Message!.GetType().Name);
            return;
        }

        var input = RelayCallInputs.From(parsed.Message!);
        if (input is not null)
        {
            await _session.HandleAsync(input);
        }
        else if (parsed.Message is UnknownMessage unknown)
        {
            LogUnknown(CallId, unknown.Type);
        }
    }

    private async Task<ConversationSession> StartSessionAsync(SetupMessage setup)
    {
        var callId = ticket.CallId;
        var context = await relay.CallContexts.GetAsync(callId);
        if (context is not null && context.AgentId != agent.Id)
        {
            LogContextMismatch(callId, context.AgentId, agent.Id);
            context = null;
        }

        var call = RelayCallInputs.Start(setup, ticket, context?.Context);
        LogStarted(call.CallId, agent.Id, setup.CallSid);
        return new ConversationSession(agent, call, chat, _output, relay.Recorder, relay.Conversation, relay.Time, relay.Logger, relay.Tools, relay.Events);
    }

    private async Task CloseAsync(string reason, WebSocketCloseStatus status, string description)
    {
        if (sink.IsClosing)
        {
            return;
        }

        _endReason = reason;
        LogClosing(CallId, description);
        try
        {
            await CloseOutputAsync(status, description);
        }
        catch (ObjectDisposedException)
        {
            // The session already ended; nothing left to close.
        }
    }

    private Task CloseOutputAsync(WebSocketCloseStatus status, string description)
    {
        sink.AbortAfterCloseTimeout();
        return _output.CloseAsync(status, description);
    }

    private async Task EndForIdleAsync()
    {
        if (sink.IsClosing)
        {
            return;
        }

        _endReason = CallEndReasons.IdleTimeout;
        LogClosing(CallId, "idle timeout");
        try
        {
            sink.AbortAfterCloseTimeout();
            await _output.EndAndCloseAsync("idle timeout");
        }
        catch (ObjectDisposedException)
        {
            // The session already ended; nothing left to close.
        }
    }

    private async Task FinishAsync()
    {
        if (_session is not null)
        {
            await _session.HandleAsync(new CallEnded(_endReason));
            await _session.DisposeAsync();
            LogEnded(_session.CallId, _session.Record.EndReason ?? _endReason);
        }

        if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            await CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye");
        }

        _output.Dispose();
        sink.Dispose();
        if (_session is not null)
        {
            await RequestOutcomeAsync(_session.CallId);
        }
    }

    // After the socket is closed, so the caller never waits on it. The outcome worker reads the stored record and
    // transcript; a request lost here leaves the call without an outcome, so it is logged as an error.
    private async Task RequestOutcomeAsync(string callId)
    {
        try
        {
            await relay.Outcomes.CallEndedAsync(agent.Id, callId, CancellationToken.None);
        }
        catch (Exception e) when (e is Azure.RequestFailedException or IOException or HttpRequestException)
        {
            LogOutcomeRequestFailed(e, callId);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Call {CallId}: could not queue its outcome request")]
    private partial void LogOutcomeRequestFailed(Exception e, string callId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId} started for agent {AgentId} (Twilio {CallSid})")]
    private partial void LogStarted(string callId, string agentId, string callSid);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId} ended: {Reason}")]
    private partial void LogEnded(string callId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {CallId}: ignored a malformed message: {Reason}")]
    private partial void LogMalformed(string callId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: ignored a message of unknown type {Type}")]
    private partial void LogUnknown(string callId, string type);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {CallId}: ignored a message over {MaxBytes} bytes")]
    private partial void LogOversized(string callId, int maxBytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {CallId}: ignored a binary message")]
    private partial void LogBinary(string callId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {CallId}: ignored a second setup")]
    private partial void LogRepeatedSetup(string callId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignored a {Type} that came before setup")]
    private partial void LogBeforeSetup(string type);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {CallId}: closed the socket, its setup names {Mismatch}, not the ticket's")]
    private partial void LogSetupMismatch(string callId, string mismatch);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {CallId}: stored context belongs to agent {ContextAgent}, not {AgentId}; ignored")]
    private partial void LogContextMismatch(string callId, string contextAgent, string agentId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: closing the socket ({Why})")]
    private partial void LogClosing(string callId, string why);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: connection lost: {Reason}")]
    private partial void LogConnectionLost(string callId, string reason);
}
