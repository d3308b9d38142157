using AgentOS.Voice.Agents;
using AgentOS.Voice.Calls;
using AgentOS.Voice.Twilio;

namespace AgentOS.Voice.Functions.Calls;

public static class LiveCallsServiceCollectionExtensions
{
    /// <summary>
    /// Live calls on the Functions side: "LiveCalls" options (validated at start), the Twilio client and signature
    /// validator, agents and call stores, and the TwiML builder.
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
        services.AddSingleton<LiveCallTwiml>();
        services.AddSingleton<LiveCallWarmUp>();
        services.AddHostedService(sp => sp.GetRequiredService<LiveCallWarmUp>());
        services.AddSingleton<LiveCallRecords>();
        return services;
    }
}
