using AgentOS.Voice.Agents;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AgentOS.Voice.Core.Tests.Agents;

public class CachingAgentStoreTests
{
    private readonly CountingStore _inner = new();
    private readonly FakeTimeProvider _time = new();
    private readonly CachingAgentStore _store;

    public CachingAgentStoreTests() =>
        _store = new CachingAgentStore(_inner, Options.Create(new AgentCacheOptions { CacheTtl = TimeSpan.FromSeconds(5) }), _time);

    [Fact]
    public async Task A_found_agent_is_served_from_memory_until_its_time_is_up()
    {
        _inner.Agents["a"] = Agent("a", "First");

        await _store.GetAsync("a");
        await _store.GetAsync("a");
        Assert.Equal(1, _inner.Reads);

        _inner.Agents["a"] = Agent("a", "Edited elsewhere");
        _time.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal("Edited elsewhere", (await _store.GetAsync("a"))!.Name);
        Assert.Equal(2, _inner.Reads);
    }

    [Fact]
    public async Task An_unknown_agent_is_not_remembered_so_one_created_elsewhere_answers_at_once()
    {
        Assert.Null(await _store.GetAsync("new"));

        _inner.Agents["new"] = Agent("new", "Created by another instance");

        Assert.Equal("Created by another instance", (await _store.GetAsync("new"))!.Name);
    }

    [Fact]
    public async Task Edits_and_deletes_through_this_instance_are_seen_at_once()
    {
        await _store.CreateAsync(Agent("a", "First"));
        await _store.UpdateAsync(Agent("a", "Second"));
        Assert.Equal("Second", (await _store.GetAsync("a"))!.Name);

        await _store.DeleteAsync("a");
        Assert.Null(await _store.GetAsync("a"));
    }

    [Fact]
    public async Task A_zero_time_to_live_reads_storage_every_time()
    {
        var uncached = new CachingAgentStore(_inner, Options.Create(new AgentCacheOptions { CacheTtl = TimeSpan.Zero }), _time);
        _inner.Agents["a"] = Agent("a", "First");

        await uncached.GetAsync("a");
        await uncached.GetAsync("a");

        Assert.Equal(2, _inner.Reads);
    }

    private static Agent Agent(string id, string name) => new() { Id = id, Name = name, PhoneNumber = "+15550000001" };

    private sealed class CountingStore : IAgentStore
    {
        public Dictionary<string, Agent> Agents { get; } = [];
        public int Reads { get; private set; }

        public Task<Agent?> GetAsync(string agentId, CancellationToken cancellationToken = default)
        {
            Reads++;
            return Task.FromResult(Agents.GetValueOrDefault(agentId));
        }

        public Task<IReadOnlyList<Agent>> ListAsync(CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<Agent>>([.. Agents.Values]);

        public Task<Agent> CreateAsync(Agent agent, CancellationToken cancellationToken = default) => Task.FromResult(Agents[agent.Id] = agent);

        public Task<Agent?> UpdateAsync(Agent agent, CancellationToken cancellationToken = default) =>
            Task.FromResult<Agent?>(Agents.ContainsKey(agent.Id) ? Agents[agent.Id] = agent : null);

        public Task<bool> DeleteAsync(string agentId, CancellationToken cancellationToken = default) => Task.FromResult(Agents.Remove(agentId));
    }
}
