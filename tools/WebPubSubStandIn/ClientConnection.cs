using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Threading.Channels;

namespace AgentOS.Voice.WebPubSubStandIn;

/// <summary>
/// One client WebSocket: who it is, what it may do, and a queue of outgoing frames written by one loop, so a slow
/// reader never holds up a REST send or another client.
/// </summary>
internal sealed class ClientConnection(string hub, WebSocket socket, TokenHolder holder)
{
    private readonly Channel<byte[]> _outgoing = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<ulong, bool> _ackIds = new();

    public string Id { get; } = Guid.NewGuid().ToString("N");

    public string Hub { get; } = hub;

    public string? UserId => holder.UserId;

    public WebSocket Socket { get; } = socket;

    /// <summary>Groups this connection is in, to leave them all when it closes.</summary>
    public ConcurrentDictionary<string, bool> Groups { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Roles as the service reads them: <c>webpubsub.joinLeaveGroup</c> / <c>webpubsub.sendToGroup</c> for any group,
    /// or the same with <c>.&lt;group&gt;</c> for one.
    /// </summary>
    public bool May(string permission, string group) =>
        holder.Roles.Contains(permission) || holder.Roles.Contains(permission + "." + group);

    /// <summary>False when the ackId was seen before on this connection (the service answers Duplicate).</summary>
    public bool FirstUseOf(ulong ackId) => _ackIds.TryAdd(ackId, true);

    public void Enqueue(byte[] frame) => _outgoing.Writer.TryWrite(frame);

    public void Complete() => _outgoing.Writer.TryComplete();

    public async Task WriteLoopAsync(CancellationToken cancellationToken)
    {
        await foreach (var frame in _outgoing.Reader.ReadAllAsync(cancellationToken))
        {
            if (Socket.State != WebSocketState.Open)
            {
                return;
            }

            await Socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        }
    }
}
