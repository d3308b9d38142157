using AgentOS.Voice.Calls;
using AgentOS.Voice.Conversation;
using AgentOS.Voice.Events;
using AgentOS.Voice.Outcomes;
using AgentOS.Voice.Twilio;
using AgentOS.Voice.Twilio.Webhooks;
using AgentOS.Voice.Webhooks;
using Microsoft.Extensions.Options;

namespace AgentOS.Voice.RelayHost;

public static class RelayHostServiceCollectionExtensions
{
    /// <summary>
    /// The ConversationRelay endpoint's services: options (validated at start), the session registry and the drain
    /// on shutdown. Needs IAgentStore, ILlmClientProvider and AddCalls registered as well.
    /// </summary>
    public static IServiceCollection AddRelayHost(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RelayHostOptions>()
            .Bind(configuration.GetSection(RelayHostOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        // Twilio's options and the signature validator for the upgrade; one copy of their rules for both deployables.
        services.AddTwilioSignatureChecks(configuration);
        services.AddConversation(configuration);
        services.AddAgentEndpoints(configuration);
        services.AddSingleton<IAgentToolClient, AgentToolClient>();
        services.AddOutcomeRequests(configuration);
        services.AddRelayTickets();
        services.AddSingleton<RelayTicketLedger>();
        // Before the drain: hosted services stop in reverse order, so the publisher sends the drained calls' last events.
        services.AddVoiceEvents(configuration);
        services.AddSingleton<RelaySessionRegistry>();
        services.AddSingleton<RelayServices>();
        services.AddHostedService<RelayDrainService>();
        RelayAdmissionHealthCheck.Register(services);

        // Shutdown must outlast the drain and the recorder's flush after it, or the host would cut live calls before
        // their time, or lose the rows they left queued.
        services.AddOptions<HostOptions>().Configure<IOptions<RelayHostOptions>, IOptions<CallRecorderOptions>>((host, relay, recorder) =>
        {
            var needed = relay.Value.DrainTimeout + relay.Value.CloseTimeout + recorder.Value.FlushTimeout + TimeSpan.FromSeconds(5);
            if (host.ShutdownTimeout < needed)
            {
                host.ShutdownTimeout = needed;
            }
        });
        return services;
    }

    public static IEndpointRouteBuilder MapRelayHost(this IEndpointRouteBuilder endpoints)
    {
        var relay = endpoints.ServiceProvider.GetRequiredService<RelayServices>();
        endpoints.MapGet(RelayRoute.Pattern, context => RelayEndpoint.HandleAsync(context, relay));
        return endpoints;
    }
}
