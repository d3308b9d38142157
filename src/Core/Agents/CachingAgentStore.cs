using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace AgentOS.Voice.Agents;

/// <summary>"Agents" configuration: how long a found agent is served from memory.</summary>
public sealed class AgentCacheOptions
{
    public const string SectionName = "Agents";

    /// <summary>
    /// Every call reads its agent; without a cache that is a storage round trip before Twilio hears any TwiML. Zero
    /// turns the cache off. Another instance's edit is seen within this time; this instance's own edits at once.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan CacheTtl { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// Serves agents that were found recently from memory. Misses are never cached, so an agent created at run time
/// answers its first call at once, wherever the create went. The last version found of each agent is kept past its
/// time (<see cref="LastKnown"/>) for webhooks that cannot reach storage: a caller is better served by an agent a few
/// minutes old than by an apology.
/// </summary>
public sealed class CachingAgentStore(IAgentStore inner, IOptions<AgentCacheOptions> options, TimeProvider time) : IAgentStore
{
    private readonly ConcurrentDictionary<string, (Agent Agent, DateTimeOffset Expires)> _found = new(StringComparer.Ordinal);

    public async Task<Agent?> GetAsync(string agentId, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        if (_found.TryGetValue(agentId, out var entry) && entry.Expires > now)
        {
            return entry.Agent;
        }

        var agent = await inner.GetAsync(agentId, cancellationToken);
        Remember(agentId, agent, now);
        return agent;
    }

    /// <summary>The agent as last found by this process, however long ago; null when never found, or deleted since.</summary>
    public Agent? LastKnown(string agentId) => _found.TryGetValue(agentId, out var entry) ? entry.Agent : null;

    public Task<IReadOnlyList<Agent>> ListAsync(CancellationToken cancellationToken = default) => inner.ListAsync(cancellationToken);

    public async Task<Agent> CreateAsync(Agent agent, CancellationToken cancellationToken = default)
    {
        var created = await inner.CreateAsync(agent, cancellationToken);
        Remember(created.Id, created, time.GetUtcNow());
        return created;
    }

    public async Task<Agent?> UpdateAsync(Agent agent, CancellationToken cancellationToken = default)
    {
        _found.TryRemove(agent.Id, out _);
        var updated = await inner.UpdateAsync(agent, cancellationToken);
        Remember(agent.Id, updated, time.GetUtcNow());
        return updated;
    }

    public async Task<bool> DeleteAsync(string agentId, CancellationToken cancellationToken = default)
    {
        _found.TryRemove(agentId, out _);
        return await inner.DeleteAsync(agentId, cancellationToken);
    }

    private void Remember(string agentId, Agent? agent, DateTimeOffset now)
    {
        if (agent is null)
        {
            _found.TryRemove(agentId, out _);
            return;
        }

        // With the cache off (a zero TTL) the entry is never fresh, but it is still the last known version.
        _found[agentId] = (agent, now + options.Value.CacheTtl);
    }
}
