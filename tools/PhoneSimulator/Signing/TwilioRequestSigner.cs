using System.Security.Cryptography;
using System.Text;
using AgentOS.Voice.Simulator.Signing;

namespace AgentOS.Voice.Simulator.Signing;

/// <summary>
/// Signs requests the way Twilio does (X-Twilio-Signature: Base64(HMAC-SHA1(authToken, url + sorted name/value
/// pairs)). The simulator keeps its own implementation instead of the app's (which goes through Twilio's SDK), so it
/// checks the app instead of agreeing with it by construction; tests and load tools that play Twilio sign with it too.
/// </summary>
public static class TwilioRequestSigner
{
    public const string HeaderName = "X-Twilio-Signature";

    /// <summary>The signature of a form POST, or with no parameters of a GET or WebSocket upgrade (URL alone).</summary>
    public static string Sign(string authToken, string url, IEnumerable<KeyValuePair<string, string>>? formParameters = null)
    {
        ArgumentNullException.ThrowIfNull(authToken);
        ArgumentNullException.ThrowIfNull(url);
        var data = new StringBuilder(url);
        // Twilio sorts by name, then (for a repeated name) by value, ordinally: the data is bytes, not prose.
        foreach (var (name, value) in (formParameters ?? [])
                     .OrderBy(p => p.Key, StringComparer.Ordinal)
                     .ThenBy(p => p.Value, StringComparer.Ordinal))
        {
            data.Append(name).Append(value);
        }

        return Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(authToken), Encoding.UTF8.GetBytes(data.ToString())));
    }

    /// <summary>
    /// A request with a JSON body: the URL Twilio calls carries <c>bodySHA256</c> (hex SHA-256 of the body) and is
    /// signed alone. Returns that URL and its signature.
    /// </summary>
    public static (string Url, string Signature) SignJsonBody(string authToken, string url, ReadOnlySpan<byte> body)
    {
        var signedUrl = url + (url.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "bodySHA256=" + Convert.ToHexStringLower(SHA256.HashData(body));
        return (signedUrl, Sign(authToken, signedUrl));
    }
}
