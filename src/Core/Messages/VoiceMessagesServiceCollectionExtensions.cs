using AgentOS.Voice.Agents;
using AgentOS.Voice.Events;
using AgentOS.Voice.Outcomes;
using AgentOS.Voice.Storage;
using AgentOS.Voice.Twilio;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentOS.Voice.Messages;

public static class VoiceMessagesServiceCollectionExtensions
{
    /// <summary>
    /// Registers voice messages: the record store, audio rendering and URLs, the queue producer, the intake (one way in for a message), the dispatcher and the
    /// webhook logic, with "Messages" options validated at start. Needs AddAgentOsStorage, AddTwilio and AddSpeech;
    /// PublicUrls:FunctionsBaseUrl must be set, since every call's webhooks are built on it.
    /// </summary>
    public static IServiceCollection AddVoiceMessages(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<VoiceMessageOptions>()
            .Bind(configuration.GetSection(VoiceMessageOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<PublicUrlOptions>()
            .Validate(o => !string.IsNullOrWhiteSpace(o.FunctionsBaseUrl),
                "PublicUrls:FunctionsBaseUrl is required for voice messages: Twilio's callbacks for each call are built on it.")
            .ValidateOnStart();

        services.TryAddSingleton(TimeProvider.System);
        services.AddAgents();
        services.AddQueueSender();
        services.AddOutcomeRequests(configuration);
        services.TryAddSingleton<TableVoiceMessageStore>();
        // With events on (the host called AddVoiceEvents and configured Web PubSub), every write publishes its message.* events.
        services.TryAddSingleton<IVoiceMessageStore>(sp =>
            sp.GetService<VoiceEventPublisher>() is { Enabled: true } publisher
                ? new EventPublishingVoiceMessageStore(sp.GetRequiredService<TableVoiceMessageStore>(), publisher, sp.GetRequiredService<TimeProvider>())
                : sp.GetRequiredService<TableVoiceMessageStore>());
        services.TryAddSingleton<PoisonedJobs>();
        services.TryAddSingleton<VoiceAudioContainer>();
        services.TryAddTransient<VoiceMessageAudio>();
        services.TryAddSingleton<VoiceMessageCallFactory>();
        services.TryAddSingleton<VoiceMessageQueue>();
        services.TryAddTransient<VoiceMessageIntake>();
        services.TryAddTransient<VoiceMessageDispatcher>();
        services.TryAddTransient<VoiceMessageWebhooks>();
        return services;
    }
}
