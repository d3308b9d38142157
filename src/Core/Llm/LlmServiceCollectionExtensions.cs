using Azure.Core;
using Azure.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AgentOS.Voice.Llm;

public static class LlmServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="ILlmClientProvider"/>, <see cref="ConfiguredLlmProviders"/>, the "Llm" options and the LLM HttpClient. The options are validated at
    /// start; outside Development (<paramref name="environment"/>) that needs some provider configured.
    /// </summary>
    public static IServiceCollection AddLlm(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var localRun = environment.IsDevelopment();
        services.AddOptions<LlmOptions>()
            .Bind(configuration.GetSection(LlmOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LlmOptions>>(new LlmOptionsValidator(localRun)));
        services.TryAddSingleton(sp => new ConfiguredLlmProviders(sp.GetRequiredService<IOptions<LlmOptions>>(), localRun));

        var http = services.AddHttpClient(LlmClientProvider.HttpClientName)
            // The chat clients are cached and keep this HttpClient for the process's life, so the factory never
            // rotates its handler; the pooled-connection lifetime is what lets DNS changes be picked up.
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
                ConnectTimeout = TimeSpan.FromSeconds(5),
                EnableMultipleHttp2Connections = true,
                // An interrupted answer's stream is closed, never drained to its end for reuse of the connection: the
                // provider must see the close and stop generating (and billing) the rest. Over HTTP/2 (PreferHttp2Handler)
                // that resets the stream only; over HTTP/1.1 it costs the connection.
                MaxResponseDrainSize = 0,
            })
            // The clients apply Llm:RequestTimeout themselves; HttpClient's own 100 s would cut long streams short.
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan)
            .AddHttpMessageHandler(() => new PreferHttp2Handler());

        // The standard resilience handler added to every client by AddServiceDefaults would retry a live turn and
        // cap a stream at its total timeout; neither suits a caller waiting on the line. The removal API is marked
        // experimental but is the documented way to opt one client out of ConfigureHttpClientDefaults.
#pragma warning disable EXTEXP0001
        http.RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001

        services.TryAddSingleton(TimeProvider.System);
        // The managed identity for Azure OpenAI without a key; it asks for a token only at the first such request.
        services.TryAddKeyedSingleton<TokenCredential>(LlmClientProvider.AzureCredentialKey, (_, _) => new DefaultAzureCredential());
        services.TryAddSingleton<ILlmClientProvider, LlmClientProvider>();
        return services;
    }
}
