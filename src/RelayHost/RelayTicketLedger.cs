using AgentOS.Voice.Calls;

namespace AgentOS.Voice.RelayHost;

/// <summary>
/// The tickets this replica has already opened a socket with, kept until they expire: a URL and signature seen once
/// (in a log, a proxy, a packet capture) open nothing later. Entries older than their expiry are dropped as new ones
/// arrive, so the set holds about one lifetime's worth of calls.
/// </summary>
public sealed class RelayTicketLedger(TimeProvider time)
{
    private readonly Dictionary<string, DateTimeOffset> _used = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private DateTimeOffset _nextPrune = DateTimeOffset.MinValue;

    /// <summary>True the first time a ticket is presented; false for every later use.</summary>
    public bool TryUse(RelayTicket ticket)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            if (now >= _nextPrune)
            {
                // At most once a second: an expired ticket is refused by its expiry anyway, so late pruning costs only memory.
                _nextPrune = now.AddSeconds(1);
                foreach (var (token, expires) in _used)
                {
                    if (expires < now)
                    {
                        _used.Remove(token);
                    }
                }
            }

            return _used.TryAdd(ticket.Token, ticket.Expires);
        }
    }
}
