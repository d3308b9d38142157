using AgentOS.Voice.Agents;
using Microsoft.Extensions.AI;

namespace AgentOS.Voice.Llm;

public static class LlmSettingsExtensions
{
    /// <summary>
    /// The per-request options an agent's settings imply. Clients are shared across agents on the same model, so the
    /// agent's temperature and output limit must travel with each request rather than in the client.
    /// </summary>
    public static ChatOptions ToChatOptions(this LlmSettings settings, IList<AITool>? tools = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new ChatOptions
        {
            ModelId = settings.Model,
            Temperature = settings.Temperature,
            MaxOutputTokens = settings.MaxOutputTokens,
            Tools = tools,
        };
    }
}
