namespace AgentOS.Voice.Agents;

/// <summary>Where agent records live (Table Storage in every environment; Azurite locally).</summary>
public interface IAgentStore
{
    Task<Agent?> GetAsync(string agentId, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<Agent>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>Adds a new agent; throws <see cref="AgentConflictException"/> when the id is taken.</summary>
    Task<Agent> CreateAsync(Agent agent, CancellationToken cancellationToken = default);

    /// <summary>Replaces an existing agent; returns null when there is none with that id.</summary>
    Task<Agent?> UpdateAsync(Agent agent, CancellationToken cancellationToken = default);

    /// <summary>Returns false when there was no such agent.</summary>
    Task<bool> DeleteAsync(string agentId, CancellationToken cancellationToken = default);
}

public sealed class AgentConflictException(string agentId) : Exception($"An agent with id '{agentId}' already exists.")
{
    public string AgentId { get; } = agentId;
}
