using Microsoft.Extensions.Options;

namespace AgentOS.Voice.Twilio.Rest;

/// <summary>
/// Sends the SDK's requests for api.twilio.com to Twilio:ApiBaseUrl instead (scheme, host, port and any base path),
/// so the phone simulator can play Twilio locally. The SDK builds its URLs from Twilio's own host names; with the
/// default base this handler changes nothing.
/// </summary>
internal sealed class TwilioApiBaseUrlHandler(IOptions<TwilioOptions> options) : DelegatingHandler
{
    private const string TwilioApiHost = "api.twilio.com";

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var target = request.RequestUri;
        var apiBase = new Uri(options.Value.ApiBaseUrl.TrimEnd('/') + "/");
        if (target is not null && string.Equals(target.Host, TwilioApiHost, StringComparison.OrdinalIgnoreCase)
            && !string.Equals(apiBase.Host, TwilioApiHost, StringComparison.OrdinalIgnoreCase))
        {
            request.RequestUri = new Uri(apiBase, target.PathAndQuery.TrimStart('/'));
        }

        return base.SendAsync(request, cancellationToken);
    }
}
