using System.Security.Cryptography;
using System.Text;

namespace AgentOS.Voice.Twilio;

/// <summary>
/// Twilio's request signature (X-Twilio-Signature): Base64(HMAC-SHA1(authToken, url + sorted name/value pairs)).
/// Used both to check what Twilio sends us and, in the phone simulator, to sign what it sends.
/// </summary>
public static class TwilioSignature
{
    public const string HeaderName = "X-Twilio-Signature";

    /// <summary>Computes the signature Twilio would send for a form POST (or, with no parameters, a GET or WebSocket upgrade).</summary>
    public static string Compute(string authToken, string url, IEnumerable<KeyValuePair<string, string>>? formParameters = null)
    {
        var data = new StringBuilder(url);
        if (formParameters is not null)
        {
            // Twilio sorts by name, then (for repeated names) by value, ordinally: the data is bytes, not prose.
            foreach (var pair in formParameters
                         .OrderBy(p => p.Key, StringComparer.Ordinal)
                         .ThenBy(p => p.Value, StringComparer.Ordinal))
            {
                data.Append(pair.Key).Append(pair.Value);
            }
        }

        var mac = HMACSHA1.HashData(Encoding.UTF8.GetBytes(authToken), Encoding.UTF8.GetBytes(data.ToString()));
        return Convert.ToBase64String(mac);
    }

    /// <summary>
    /// Checks a signature against the URL as given and against its variant with the default port added or removed,
    /// because Twilio's own libraries accept either.
    /// </summary>
    public static bool IsValid(string authToken, string url, IEnumerable<KeyValuePair<string, string>>? formParameters, string? signature)
    {
        if (string.IsNullOrEmpty(signature) || string.IsNullOrEmpty(authToken))
        {
            return false;
        }

        var parameters = formParameters as IReadOnlyCollection<KeyValuePair<string, string>> ?? formParameters?.ToArray();
        var valid = false;
        // Evaluate every variant so the time taken does not depend on which one matched.
        foreach (var candidate in UrlVariants(url))
        {
            valid |= FixedTimeEquals(Compute(authToken, candidate, parameters), signature);
        }

        return valid;
    }

    /// <summary>
    /// Checks a request with a JSON body: the URL carries <c>bodySHA256</c> (hex SHA-256 of the raw body) and is signed
    /// with no parameters; both the signature and the body hash must match.
    /// </summary>
    public static bool IsValidJsonBody(string authToken, string url, ReadOnlySpan<byte> body, string? signature)
    {
        if (!IsValid(authToken, url, null, signature))
        {
            return false;
        }

        var expectedHash = QueryValue(url, "bodySHA256");
        if (expectedHash is null)
        {
            return false;
        }

        var actualHash = Convert.ToHexStringLower(SHA256.HashData(body));
        return FixedTimeEquals(actualHash, expectedHash.ToLowerInvariant());
    }

    private static IEnumerable<string> UrlVariants(string url)
    {
        yield return url;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            yield break;
        }

        var defaultPort = uri.Scheme is "https" or "wss" ? 443 : 80;
        var hasExplicitPort = HasExplicitPort(url, uri);
        if (hasExplicitPort && uri.Port == defaultPort)
        {
            yield return RebuildAuthority(url, uri, includePort: false);
        }
        else if (!hasExplicitPort)
        {
            yield return RebuildAuthority(url, uri, includePort: true, port: defaultPort);
        }
    }

    private static bool HasExplicitPort(string url, Uri uri)
    {
        var authorityStart = url.IndexOf("//", StringComparison.Ordinal) + 2;
        var authorityEnd = url.IndexOfAny(['/', '?', '#'], authorityStart);
        var authority = authorityEnd < 0 ? url[authorityStart..] : url[authorityStart..authorityEnd];
        var hostEnd = authority.LastIndexOf(']');
        return authority.IndexOf(':', hostEnd + 1) >= 0 && uri.Port >= 0;
    }

    // Rebuilds only the authority so that the path and query keep exactly the characters Twilio signed.
    private static string RebuildAuthority(string url, Uri uri, bool includePort, int port = 0)
    {
        var authorityStart = url.IndexOf("//", StringComparison.Ordinal) + 2;
        var authorityEnd = url.IndexOfAny(['/', '?', '#'], authorityStart);
        var rest = authorityEnd < 0 ? string.Empty : url[authorityEnd..];
        var userInfo = string.IsNullOrEmpty(uri.UserInfo) ? string.Empty : uri.UserInfo + "@";
        var authority = includePort ? $"{userInfo}{uri.Host}:{port}" : $"{userInfo}{uri.Host}";
        return url[..authorityStart] + authority + rest;
    }

    private static string? QueryValue(string url, string name)
    {
        var queryStart = url.IndexOf('?');
        if (queryStart < 0)
        {
            return null;
        }

        foreach (var part in url[(queryStart + 1)..].Split('&'))
        {
            var eq = part.IndexOf('=');
            if (eq > 0 && part[..eq] == name)
            {
                return Uri.UnescapeDataString(part[(eq + 1)..]);
            }
        }

        return null;
    }

    private static bool FixedTimeEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));
}
