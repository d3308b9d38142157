using System.Collections.Concurrent;

namespace AgentOS.Voice.WebPubSubStandIn;

/// <summary>A hub's connections and groups, in memory.</summary>
internal sealed class Hub
{
    private readonly ConcurrentDictionary<string, ClientConnection> _connections = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, ClientConnection>> _groups = new(StringComparer.Ordinal);

    public void Add(ClientConnection connection) => _connections[connection.Id] = connection;

    public void Remove(ClientConnection connection)
    {
        _connections.TryRemove(connection.Id, out _);
        foreach (var group in connection.Groups.Keys)
        {
            Leave(connection, group);
        }
    }

    public void Join(ClientConnection connection, string group)
    {
        _groups.GetOrAdd(group, _ => new(StringComparer.Ordinal))[connection.Id] = connection;
        connection.Groups[group] = true;
    }

    public void Leave(ClientConnection connection, string group)
    {
        connection.Groups.TryRemove(group, out _);
        if (_groups.TryGetValue(group, out var members))
        {
            members.TryRemove(connection.Id, out _);
        }
    }

    public IEnumerable<ClientConnection> All => _connections.Values;

    public IEnumerable<ClientConnection> InGroup(string group) =>
        _groups.TryGetValue(group, out var members) ? members.Values : [];

    public IEnumerable<ClientConnection> OfUser(string userId) => _connections.Values.Where(c => c.UserId == userId);

    public IEnumerable<ClientConnection> WithId(string connectionId) =>
        _connections.TryGetValue(connectionId, out var connection) ? [connection] : [];
}
