using Microsoft.Extensions.Options;

namespace AgentOS.Voice.Llm;

/// <summary>
/// The LLM providers this deployment can serve (<see cref="LlmOptions.ConfiguredProviders"/>), for refusing an agent on
/// another one when it is created or changed rather than on its first call.
/// </summary>
public sealed class ConfiguredLlmProviders(IOptions<LlmOptions> options, bool localRun)
{
    public IReadOnlySet<string> Names => options.Value.ConfiguredProviders(localRun);
}
