using AgentOS.Voice.Agents;
using Microsoft.Extensions.AI;

namespace AgentOS.Voice.Llm;

/// <summary>Gives the chat client that answers for an agent, chosen by its LLM settings (provider and model).</summary>
public interface ILlmClientProvider
{
    /// <summary>Throws <see cref="LlmConfigurationException"/> when the agent's provider is unknown or not configured.</summary>
    IChatClient GetClient(Agent agent);
}

public sealed class LlmConfigurationException(string message) : Exception(message);
