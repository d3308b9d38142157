using AgentOS.Voice.Events;
using AgentOS.Voice.Storage;
using AgentOS.Voice.Twilio;
using AgentOS.Voice.Webhooks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentOS.Voice.Outcomes;

public static class OutcomesServiceCollectionExtensions
{
    /// <summary>Queueing outcome requests when calls end (RelayHost and the Functions app). Needs AddAgentOsStorage.</summary>
    public static IServiceCollection AddOutcomeRequests(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<OutcomeOptions>().Bind(configuration.GetSection(OutcomeOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddQueueSender();
        services.TryAddSingleton<OutcomeRequests>();
        return services;
    }

    /// <summary>
    /// Making, storing, delivering and analysing outcomes (the Functions app's queue workers and stats API). Needs
    /// AddAgentOsStorage, AddAgents, AddCalls, the voice message store and AddLlm; adds Twilio (recordings are copied from it).
    /// </summary>
    public static IServiceCollection AddOutcomes(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOutcomeRequests(configuration);
        services.AddAgentEndpoints(configuration);
        services.AddTwilio(configuration);
        // Outcomes are published as live events too when Events is configured (a disabled publisher otherwise).
        services.AddVoiceEvents(configuration);
        services.AddOptions<OutcomePrices>().Bind(configuration.GetSection(OutcomePrices.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<OutcomeStore>();
        services.TryAddSingleton<OutcomeSummarizer>();
        services.TryAddSingleton<OutcomeRecordings>();
        services.TryAddSingleton<OutcomeMaker>();
        services.TryAddSingleton<OutcomeWebhookDelivery>();
        services.TryAddSingleton<AgentStatsQuery>();
        return services;
    }
}
