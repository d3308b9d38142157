using Azure.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;

namespace AgentOS.Voice.Events;

public static class EventsServiceCollectionExtensions
{
    /// <summary>
    /// Binds and validates "Events" and registers <see cref="VoiceEventPublisher"/> (a hosted service). With no Web
    /// PubSub setting the publisher is registered disabled, so callers need no checks of their own beyond
    /// <see cref="VoiceEventPublisher.Enabled"/>.
    /// </summary>
    public static IServiceCollection AddVoiceEvents(this IServiceCollection services, IConfiguration configuration)
    {
        if (services.Any(d => d.ServiceType == typeof(VoiceEventPublisher)))
        {
            return services;
        }

        services.AddOptions<EventsOptions>()
            .Bind(configuration.GetSection(EventsOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<EventsOptions>, ClientOptionsValidator>();

        // The publisher retries 429/5xx itself with its own backoff; the default resilience handler would retry again
        // under it. RemoveAllResilienceHandlers is marked for evaluation; it is the supported way to drop a default one.
#pragma warning disable EXTEXP0001
        services.AddHttpClient(WebPubSubServiceClient.HttpClientName, http => http.Timeout = TimeSpan.FromSeconds(10))
            .RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<EventsOptions>>().Value;
            WebPubSubServiceClient? client = null;
            if (options.Enabled)
            {
                var clientOptions = options.ToClientOptions();
                client = new WebPubSubServiceClient(
                    sp.GetRequiredService<IHttpClientFactory>().CreateClient(WebPubSubServiceClient.HttpClientName),
                    clientOptions,
                    sp.GetRequiredService<TimeProvider>(),
                    clientOptions.AccessKey is null ? new DefaultAzureCredential() : null);
            }

            return new VoiceEventPublisher(
                client, options, sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(),
                sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<VoiceEventPublisher>>());
        });
        services.AddHostedService(sp => sp.GetRequiredService<VoiceEventPublisher>());
        return services;
    }

    private static string? ClientOptionsError(EventsOptions options)
    {
        try
        {
            options.ToClientOptions();
            return null;
        }
        catch (FormatException e)
        {
            return e.Message;
        }
    }

    /// <summary>Reports the connection string's or endpoint's problem in words at start.</summary>
    private sealed class ClientOptionsValidator : IValidateOptions<EventsOptions>
    {
        public ValidateOptionsResult Validate(string? name, EventsOptions options) =>
            options.Enabled && ClientOptionsError(options) is { } error
                ? ValidateOptionsResult.Fail("Events: " + error)
                : ValidateOptionsResult.Success;
    }
}
