using System.Text;
using Twilio.Security;

namespace AgentOS.Voice.Twilio.Webhooks;

/// <summary>
/// X-Twilio-Signature checked by Twilio's SDK (<see cref="RequestValidator"/>). What the SDK leaves to its caller is
/// here: the shape of a form with repeated names, a body that must be UTF-8, URLs the SDK cannot parse (an invalid
/// request, not an error), and the default-port variants the SDK misses (see <see cref="UrlVariants"/>).
/// </summary>
public static class TwilioSignatureCheck
{
    public const string HeaderName = "X-Twilio-Signature";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>A form POST: signed over the URL plus every name and value, repeated names included.</summary>
    public static bool IsValidForm(string authToken, string url, IEnumerable<KeyValuePair<string, string>> form, string? signature)
    {
        ArgumentNullException.ThrowIfNull(form);
        var parameters = SignedParameters(form);
        return Check(authToken, url, signature, (validator, candidate) => validator.Validate(candidate, parameters, signature));
    }

    /// <summary>A GET or WebSocket upgrade: signed over the URL alone (its query included).</summary>
    public static bool IsValidUrl(string authToken, string url, string? signature) =>
        Check(authToken, url, signature, (validator, candidate) => validator.Validate(candidate, new Dictionary<string, string>(), signature));

    /// <summary>
    /// A JSON body: the URL carries <c>bodySHA256</c> (hex SHA-256 of the raw body) and is signed alone; both must
    /// match. The SDK hashes text, so a body that is not valid UTF-8 (Twilio sends nothing else) is refused rather
    /// than decoded lossily into text whose hash could differ from the bytes'.
    /// </summary>
    public static bool IsValidJsonBody(string authToken, string url, ReadOnlySpan<byte> body, string? signature)
    {
        string text;
        try
        {
            text = StrictUtf8.GetString(body);
        }
        catch (DecoderFallbackException)
        {
            return false;
        }

        return Check(authToken, url, signature, (validator, candidate) => validator.Validate(candidate, text, signature));
    }

    private static bool Check(string authToken, string url, string? signature, Func<RequestValidator, string, bool> validate)
    {
        if (string.IsNullOrEmpty(signature) || string.IsNullOrEmpty(authToken))
        {
            return false;
        }

        // A validator holds an HMAC instance, which is not thread-safe: one per check.
        var validator = new RequestValidator(authToken);
        foreach (var candidate in UrlVariants(url))
        {
            try
            {
                if (validate(validator, candidate))
                {
                    return true;
                }
            }
            catch (Exception e) when (e is UriFormatException or ArgumentException)
            {
                // The SDK re-parses the URL to vary its port; a URL it cannot parse came from a bad Host or forwarded
                // header, and is not what Twilio signed.
            }
        }

        return false;
    }

    /// <summary>
    /// The URL as requested, and the same with the scheme's default port toggled: Twilio signs the URL it was given,
    /// with or without the default port, and its helper libraries accept both. The SDK (8.2) only adds a port, and
    /// adds :80 to wss URLs, so a request to https://host:443/… signed as https://host/… (a shared reference vector)
    /// or a wss URL signed with :443 would otherwise fail. Only the authority is rebuilt: the path and query keep
    /// exactly the characters Twilio signed.
    /// </summary>
    private static IEnumerable<string> UrlVariants(string url)
    {
        yield return url;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "wss" or "http" or "ws"))
        {
            yield break;
        }

        var defaultPort = uri.Scheme is "https" or "wss" ? 443 : 80;
        var authorityStart = url.IndexOf("//", StringComparison.Ordinal) + 2;
        var authorityEnd = url.IndexOfAny(['/', '?', '#'], authorityStart);
        var authority = authorityEnd < 0 ? url[authorityStart..] : url[authorityStart..authorityEnd];
        var rest = authorityEnd < 0 ? string.Empty : url[authorityEnd..];
        var hasPort = authority.IndexOf(':', authority.LastIndexOf(']') + 1) >= 0;
        var userInfo = string.IsNullOrEmpty(uri.UserInfo) ? string.Empty : uri.UserInfo + "@";
        if (!hasPort)
        {
            yield return $"{url[..authorityStart]}{userInfo}{uri.Host}:{defaultPort}{rest}";
        }
        else if (uri.Port == defaultPort)
        {
            yield return $"{url[..authorityStart]}{userInfo}{uri.Host}{rest}";
        }
    }

    /// <summary>
    /// The SDK takes one value per name. Twilio signs a repeated name as name+value for each value in ordinal order,
    /// so the values go in joined by the name itself: the SDK appends name+joined, which is the same signed text.
    /// </summary>
    private static Dictionary<string, string> SignedParameters(IEnumerable<KeyValuePair<string, string>> form)
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var group in form.GroupBy(p => p.Key, StringComparer.Ordinal))
        {
            var values = group.Select(p => p.Value ?? string.Empty).Order(StringComparer.Ordinal);
            parameters[group.Key] = string.Join(group.Key, values);
        }

        return parameters;
    }
}
