using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentOS.Voice.Agents;

public static class AgentsServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IAgentStore"/>: Table Storage behind a short cache of found agents ("Agents:CacheTtl"),
    /// warmed up as the app starts. Needs <c>AddAgentOsStorage</c>.
    /// </summary>
    public static IServiceCollection AddAgents(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        // Messages, live calls and the apps themselves all ask for agents; register them once.
        if (services.Any(d => d.ServiceType == typeof(TableAgentStore)))
        {
            return services;
        }

        services.AddOptions<AgentCacheOptions>().BindConfiguration(AgentCacheOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<TableAgentStore>();
        services.TryAddSingleton(sp => ActivatorUtilities.CreateInstance<CachingAgentStore>(sp, sp.GetRequiredService<TableAgentStore>()));
        services.TryAddSingleton<IAgentStore>(sp => sp.GetRequiredService<CachingAgentStore>());
        services.AddHostedService<AgentStoreWarmUp>();
        return services;
    }
}
