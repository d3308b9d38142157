using AgentOS.Voice.Simulator.Signing;

namespace AgentOS.Voice.Simulator.Calls;

/// <summary>A reply from the app to a Twilio request; <see cref="Status"/> is null when the request itself failed.</summary>
internal sealed record WebhookReply(int? Status, string Body, string? Error, string Url)
{
    public bool Succeeded => Status is >= 200 and < 300;
}

/// <summary>Sends Twilio's requests to the app, signed the way Twilio signs them.</summary>
internal sealed class WebhookClient(IHttpClientFactory httpClientFactory, string authToken)
{
    public const string HttpClientName = "phone-sim-webhooks";

    public async Task<WebhookReply> SendAsync(
        SimulatedCall call, string purpose, string url, string method, IReadOnlyList<KeyValuePair<string, string>> parameters,
        CancellationToken cancellationToken)
    {
        HttpRequestMessage request;
        string signedUrl;
        if (string.Equals(method, "GET", StringComparison.OrdinalIgnoreCase))
        {
            // A GET carries the parameters in the query, so the signature covers the full URL and nothing else.
            var query = string.Join('&', parameters.Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(p.Value)}"));
            signedUrl = url + (url.Contains('?') ? "&" : "?") + query;
            request = new HttpRequestMessage(HttpMethod.Get, signedUrl);
            request.Headers.TryAddWithoutValidation(TwilioRequestSigner.HeaderName, TwilioRequestSigner.Sign(authToken, signedUrl));
        }
        else
        {
            signedUrl = url;
            request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(parameters) };
            request.Headers.TryAddWithoutValidation(TwilioRequestSigner.HeaderName, TwilioRequestSigner.Sign(authToken, url, parameters));
        }

        request.Headers.UserAgent.ParseAdd("TwilioProxy/1.1");
        var client = httpClientFactory.CreateClient(HttpClientName);
        WebhookReply reply;
        try
        {
            using (request)
            using (var response = await client.SendAsync(request, cancellationToken))
            {
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                reply = new WebhookReply((int)response.StatusCode, body, null, signedUrl);
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            reply = new WebhookReply(null, "", ex.Message, signedUrl);
        }

        call.Log(new WebhookRequested(purpose, method.ToUpperInvariant(), signedUrl, reply.Status, reply.Error));
        return reply;
    }
}
