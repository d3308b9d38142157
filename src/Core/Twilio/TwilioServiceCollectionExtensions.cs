using System.Net;
using AgentOS.Voice.Twilio.Rest;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace AgentOS.Voice.Twilio;

public static class TwilioServiceCollectionExtensions
{
    /// <summary>Section under "Twilio" that tunes the REST client's resilience (HttpStandardResilienceOptions shape).</summary>
    public const string ResilienceSectionName = "Twilio:Resilience";

    /// <summary>
    /// Binds and validates "Twilio" and "PublicUrls", and registers <see cref="TwilioClient"/> (Twilio's SDK over the
    /// factory's "twilio" HttpClient) and the account's <see cref="CallRateLimiter"/>. The apps' signature checks on
    /// what Twilio sends are registered with them by AddTwilioSignatureChecks (Hosting project).
    /// </summary>
    public static IServiceCollection AddTwilio(this IServiceCollection services, IConfiguration configuration)
    {
        // Several features need Twilio; registering twice would stack option validators and HttpClient handlers.
        if (services.Any(d => d.ServiceType == typeof(TwilioClient)))
        {
            return services;
        }

        services.AddOptions<TwilioOptions>()
            .Bind(configuration.GetSection(TwilioOptions.SectionName))
            .ValidateDataAnnotations()
            .Validate(o => string.IsNullOrEmpty(o.ApiKeySid) == string.IsNullOrEmpty(o.ApiKeySecret),
                "Twilio:ApiKeySid and Twilio:ApiKeySecret must be set together.")
            .ValidateOnStart();
        services.AddOptions<PublicUrlOptions>()
            .Bind(configuration.GetSection(PublicUrlOptions.SectionName))
            .Validate(o => IsBase(o.FunctionsBaseUrl, "https", "http"),
                "PublicUrls:FunctionsBaseUrl must be an absolute http(s) URL without query, e.g. https://voice.example.com.")
            .Validate(o => IsBase(o.RelayBaseUrl, "wss", "ws"),
                "PublicUrls:RelayBaseUrl must be an absolute ws(s) URL without query, e.g. wss://relay.example.com.")
            .ValidateOnStart();

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<CallRateLimiter>();
        services.TryAddSingleton<TwilioClient>();
        services.TryAddTransient<TwilioApiBaseUrlHandler>();

        // The standard handler that AddServiceDefaults puts on every client retries POSTs on timeouts and 5xx. For
        // create-call that is wrong: Twilio may have placed the call before the answer was lost, and a retry rings
        // the person a second time. So this client gets its own pipeline: create-call is retried only on 429, where
        // Twilio did nothing; fetches and updates of an existing call are idempotent and keep the usual transient retry.
        // RemoveAllResilienceHandlers is marked for evaluation; it is the supported way to drop a default handler.
        // The base-URL rewrite sits inside the resilience handler, so every attempt goes where Twilio:ApiBaseUrl says.
#pragma warning disable EXTEXP0001
        var client = services.AddHttpClient(TwilioClient.HttpClientName).RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        var resilience = client.AddStandardResilienceHandler();
        client.AddHttpMessageHandler<TwilioApiBaseUrlHandler>();
        var tuning = configuration.GetSection(ResilienceSectionName);
        if (tuning.Exists())
        {
            resilience.Configure(tuning);
        }

        resilience.Configure(o => o.Retry.ShouldHandle = args => ValueTask.FromResult(
            CreatesCall(args.Context.GetRequestMessage())
                ? args.Outcome.Result?.StatusCode == HttpStatusCode.TooManyRequests
                : HttpClientResiliencePredicates.IsTransient(args.Outcome)));
        return services;
    }

    // The SDK posts a new call to .../Accounts/{sid}/Calls.json; an update posts to .../Calls/{sid}.json.
    private static bool CreatesCall(HttpRequestMessage? request) =>
        request?.Method == HttpMethod.Post && request.RequestUri?.AbsolutePath.EndsWith("/Calls.json", StringComparison.Ordinal) == true;

    private static bool IsBase(string? url, params string[] schemes) =>
        string.IsNullOrWhiteSpace(url)
        || (Uri.TryCreate(url, UriKind.Absolute, out var uri) && schemes.Contains(uri.Scheme) && string.IsNullOrEmpty(uri.Query));
}
