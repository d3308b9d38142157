using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Http.Resilience;

namespace AgentOS.Voice.Speech;

public static class SpeechServiceCollectionExtensions
{
    /// <summary>Which synthesizer renders messages: "Speech:Provider", elevenlabs or espeak.</summary>
    public const string ProviderKey = "Speech:Provider";

    public const string ElevenLabs = "elevenlabs", Espeak = "espeak";

    /// <summary>Section that tunes the ElevenLabs client's resilience (HttpStandardResilienceOptions shape).</summary>
    public const string ResilienceSectionName = "Speech:ElevenLabs:Resilience";

    /// <summary>
    /// Registers <see cref="ISpeechSynthesizer"/> with options validated at start: the one Speech:Provider names, so a
    /// deployment that names elevenlabs fails at start without Speech:ElevenLabs:ApiKey instead of speaking with the
    /// offline stand-in. Outside Development (<paramref name="environment"/>) Speech:Provider is required; in the local
    /// run without it the key decides: ElevenLabs with one, espeak-ng without. The ElevenLabs HttpClient retries 429/5xx with exponential backoff through the standard resilience
    /// handler, tuned by <see cref="ResilienceSectionName"/>.
    /// </summary>
    public static IServiceCollection AddSpeech(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(environment);

        var elevenLabs = configuration.GetSection(ElevenLabsClientOptions.SectionName);
        var provider = configuration[ProviderKey];
        if (string.IsNullOrWhiteSpace(provider) && !environment.IsDevelopment())
        {
            throw new InvalidOperationException(
                $"{ProviderKey} is required outside Development: {ElevenLabs} (with Speech:ElevenLabs:ApiKey) or {Espeak} (the offline espeak-ng stand-in).");
        }

        var useElevenLabs = string.IsNullOrWhiteSpace(provider)
            ? !string.IsNullOrWhiteSpace(elevenLabs["ApiKey"])
            : provider.Trim().ToLowerInvariant() switch
            {
                ElevenLabs => true,
                Espeak => false,
                _ => throw new InvalidOperationException($"{ProviderKey} must be {ElevenLabs} or {Espeak}, not '{provider}'."),
            };

        if (useElevenLabs)
        {
            // The required key's own message names the setting (Speech:ElevenLabs:ApiKey is required).
            services.AddOptions<ElevenLabsClientOptions>()
                .Bind(elevenLabs)
                .ValidateDataAnnotations()
                .Validate(o => Uri.TryCreate(o.BaseUrl, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http",
                    "Speech:ElevenLabs:BaseUrl must be an absolute http(s) URL.")
                .ValidateOnStart();
            // The standard resilience handler, tunable under Speech:ElevenLabs:Resilience (HttpStandardResilienceOptions
            // shape), like Twilio's: its quick retries ride out a blip; an outage is left to the voice message queue's
            // own backoff (Messages:Retry*). RemoveAllResilienceHandlers drops the default one so they do not stack.
#pragma warning disable EXTEXP0001
            var resilience = services.AddHttpClient<ElevenLabsClient>().RemoveAllResilienceHandlers().AddStandardResilienceHandler();
#pragma warning restore EXTEXP0001
            if (configuration.GetSection(ResilienceSectionName) is { } tuning && tuning.Exists())
            {
                resilience.Configure(tuning);
            }

            // Transient like the typed client itself, so handler rotation by the factory keeps working.
            services.AddTransient<ISpeechSynthesizer>(sp => sp.GetRequiredService<ElevenLabsClient>());
        }
        else
        {
            services.AddOptions<EspeakOptions>()
                .Bind(configuration.GetSection(EspeakOptions.SectionName))
                .ValidateDataAnnotations()
                .ValidateOnStart();
            services.AddSingleton<EspeakSpeechSynthesizer>();
            services.AddSingleton<ISpeechSynthesizer>(sp => sp.GetRequiredService<EspeakSpeechSynthesizer>());
        }

        return services;
    }
}
