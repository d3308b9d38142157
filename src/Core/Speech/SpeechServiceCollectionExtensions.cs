using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AgentOS.Voice.Speech;

public static class SpeechServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="ISpeechSynthesizer"/>: ElevenLabs when Speech:ElevenLabs:ApiKey is set, otherwise espeak-ng,
    /// with options validated at start. The ElevenLabs HttpClient gets its retries (429/5xx, exponential backoff) from
    /// the resilience handler AddServiceDefaults puts on every client.
    /// </summary>
    public static IServiceCollection AddSpeech(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        var elevenLabs = configuration.GetSection(ElevenLabsClientOptions.SectionName);
        if (!string.IsNullOrWhiteSpace(elevenLabs["ApiKey"]))
        {
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
