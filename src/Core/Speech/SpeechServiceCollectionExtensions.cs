using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AgentOS.Voice.Speech;

public static class SpeechServiceCollectionExtensions
{
    /// <summary>Which synthesizer renders messages: "Speech:Provider", elevenlabs or espeak.</summary>
    public const string ProviderKey = "Speech:Provider";

    public const string ElevenLabs = "elevenlabs", Espeak = "espeak";

    /// <summary>
    /// Registers <see cref="ISpeechSynthesizer"/> with options validated at start: the one Speech:Provider names, so a
    /// deployment that names elevenlabs fails at start without Speech:ElevenLabs:ApiKey instead of speaking with the
    /// offline stand-in. Without Speech:Provider (local runs, tests) the key decides: ElevenLabs with one, espeak-ng
    /// without. The ElevenLabs HttpClient gets its retries (429/5xx, exponential backoff) from the resilience handler
    /// AddServiceDefaults puts on every client.
    /// </summary>
    public static IServiceCollection AddSpeech(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        var elevenLabs = configuration.GetSection(ElevenLabsClientOptions.SectionName);
        var provider = configuration[ProviderKey];
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
            services.AddHttpClient<ElevenLabsClient>();

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
