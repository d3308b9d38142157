namespace AgentOS.Voice.Agents;

/// <summary>The agent changed between reading and replacing it; the caller should read it again and retry.</summary>
public sealed class AgentConcurrencyException(string agentId, Exception inner)
    : Exception($"Agent '{agentId}' was changed by someone else at the same time; read it again and retry.", inner)
{
    public string AgentId { get; } = agentId;
}
