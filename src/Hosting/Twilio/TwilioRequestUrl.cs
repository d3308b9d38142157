using Microsoft.AspNetCore.Http;

namespace AgentOS.Voice.Twilio;

/// <summary>
/// Rebuilds the URL Twilio requested, which is what it signed. Behind Container Apps ingress or the Functions front end
/// the process sees another scheme and host, so a configured public base wins, then forwarded headers, then the request.
/// </summary>
public static class TwilioRequestUrl
{
    public static string Rebuild(HttpRequest request, string? publicBaseUrl)
    {
        var pathAndQuery = request.PathBase.Add(request.Path).ToUriComponent() + request.QueryString.ToUriComponent();
        if (!string.IsNullOrWhiteSpace(publicBaseUrl))
        {
            return publicBaseUrl.TrimEnd('/') + pathAndQuery;
        }

        var scheme = FirstValue(request.Headers["X-Forwarded-Proto"]) ?? request.Scheme;
        var host = FirstValue(request.Headers["X-Forwarded-Host"]) ?? request.Host.ToUriComponent();
        if (request.HttpContext.WebSockets.IsWebSocketRequest)
        {
            scheme = scheme switch
            {
                "https" => "wss",
                "http" => "ws",
                _ => scheme,
            };
        }

        return $"{scheme}://{host}{pathAndQuery}";
    }

    // Proxies append to these headers; the first entry is the one the client used.
    private static string? FirstValue(string? header) =>
        string.IsNullOrWhiteSpace(header) ? null : header.Split(',')[0].Trim();
}
