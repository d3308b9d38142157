using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentOS.Voice.Agents;

public static class AgentsServiceCollectionExtensions
{
    /// <summary>Registers <see cref="IAgentStore"/> (Table Storage). Needs <c>AddAgentOsStorage</c> and a TimeProvider.</summary>
    public static IServiceCollection AddAgents(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IAgentStore, TableAgentStore>();
        return services;
    }
}
