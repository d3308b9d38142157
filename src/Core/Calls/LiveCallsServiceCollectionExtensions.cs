using AgentOS.Voice.Agents;
using AgentOS.Voice.Storage;
using AgentOS.Voice.Twilio;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentOS.Voice.Calls;

public static class LiveCallsServiceCollectionExtensions
{
    /// <summary>
    /// Live calls as the Functions app answers them: "LiveCalls" options (validated at start), the Twilio client,
    /// agents and call stores, the TwiML builder, the call records and the service placing outbound calls. Needs
    /// <see cref="WebhookStorageServiceCollectionExtensions.AddWebhookStorage"/>.
    /// Both public URLs are required here, because every TwiML and callback URL is built from them.
    /// </summary>
    public static IServiceCollection AddLiveCalls(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<LiveCallOptions>()
            .Bind(configuration.GetSection(LiveCallOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddTwilio(configuration);

        services.AddOptions<PublicUrlOptions>()
            .Validate(o => !string.IsNullOrWhiteSpace(o.FunctionsBaseUrl) && !string.IsNullOrWhiteSpace(o.RelayBaseUrl),
                "Live calls need PublicUrls:FunctionsBaseUrl (webhooks) and PublicUrls:RelayBaseUrl (the relay socket).")
            .ValidateOnStart();
        services.AddAgents();
        services.AddCalls();
        services.AddRelayTickets();
        services.TryAddSingleton<LiveCallTwiml>();
        services.TryAddSingleton<LiveCallWarmUp>();
        services.AddHostedService(sp => sp.GetRequiredService<LiveCallWarmUp>());
        services.TryAddSingleton<LiveCallRecords>();
        services.TryAddSingleton<LiveCallWebhooks>();
        services.TryAddSingleton<LiveCallService>();
        return services;
    }
}
