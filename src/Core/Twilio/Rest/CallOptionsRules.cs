using Twilio.Rest.Api.V2010.Account;

namespace AgentOS.Voice.Twilio.Rest;

/// <summary>
/// What Twilio would refuse or what would only fail later on the phone, checked before anything is sent: the SDK's
/// options accept any combination and leave the refusal to Twilio.
/// </summary>
internal static class CallOptionsRules
{
    /// <summary>Twilio rejects longer inline TwiML; serve it from a URL instead.</summary>
    public const int MaxTwimlLength = 4000;

    public static void Validate(CreateCallOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.To?.ToString()) || string.IsNullOrWhiteSpace(options.From?.ToString()))
        {
            throw new ArgumentException("A call needs both To and From.", nameof(options));
        }

        var twiml = options.Twiml?.ToString();
        if ((options.Url is null) == (twiml is null))
        {
            throw new ArgumentException("A call needs exactly one of Url and Twiml.", nameof(options));
        }

        TwimlLength(twiml, " Serve it from a Url instead.");
        CallbackUrl(options.Url, nameof(options.Url));
        CallbackUrl(options.StatusCallback, nameof(options.StatusCallback));
        CallbackUrl(options.AsyncAmdStatusCallback, nameof(options.AsyncAmdStatusCallback));
        CallbackUrl(options.RecordingStatusCallback, nameof(options.RecordingStatusCallback));
        if (string.Equals(options.AsyncAmd, "true", StringComparison.OrdinalIgnoreCase) && options.MachineDetection is null)
        {
            throw new ArgumentException("AsyncAmd needs MachineDetection.", nameof(options));
        }
    }

    public static void Validate(UpdateCallOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.PathSid, nameof(options.PathSid));
        var twiml = options.Twiml?.ToString();
        var set = (twiml is null ? 0 : 1) + (options.Url is null ? 0 : 1) + (options.Status is null ? 0 : 1);
        if (set != 1)
        {
            throw new ArgumentException("A call update needs exactly one of Twiml, Url and Status.", nameof(options));
        }

        TwimlLength(twiml, string.Empty);
        CallbackUrl(options.Url, nameof(options.Url));
    }

    private static void TwimlLength(string? twiml, string advice)
    {
        if (twiml is { Length: > MaxTwimlLength })
        {
            throw new ArgumentException($"Inline TwiML is {twiml.Length} characters; Twilio accepts at most {MaxTwimlLength}.{advice}", nameof(twiml));
        }
    }

    // Twilio needs absolute URLs it can reach; a relative one would only fail later, on the phone.
    private static void CallbackUrl(string? url, string name)
    {
        if (url is not null && !(Uri.TryCreate(url, UriKind.Absolute, out var uri) && IsHttp(uri)))
        {
            throw NotAbsoluteHttp(name, url);
        }
    }

    private static void CallbackUrl(Uri? url, string name)
    {
        if (url is not null && !(url.IsAbsoluteUri && IsHttp(url)))
        {
            throw NotAbsoluteHttp(name, url.OriginalString);
        }
    }

    private static bool IsHttp(Uri uri) => uri.Scheme is "https" or "http";

    private static ArgumentException NotAbsoluteHttp(string name, string url) => new($"{name} must be an absolute http(s) URL, not '{url}'.", name);
}
