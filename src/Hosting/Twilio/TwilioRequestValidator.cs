using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentOS.Voice.Twilio.Webhooks;

/// <summary>
/// Checks X-Twilio-Signature on what Twilio sends us, against the public URL Twilio requested (see
/// <see cref="TwilioRequestUrl"/>), through Twilio's SDK (<see cref="TwilioSignatureCheck"/>). Failures are logged
/// with the URL that was checked, never with the token.
/// </summary>
public sealed class TwilioRequestValidator
{
    // Twilio's JSON webhooks are small; the cap keeps an unsigned caller from making us buffer a large body.
    private const int MaxJsonBodyBytes = 1024 * 1024;

    private readonly IOptions<TwilioOptions> _twilio;
    private readonly IOptions<PublicUrlOptions> _publicUrls;
    private readonly ILogger<TwilioRequestValidator> _logger;

    public TwilioRequestValidator(IOptions<TwilioOptions> twilio, IOptions<PublicUrlOptions> publicUrls, ILogger<TwilioRequestValidator> logger)
    {
        _twilio = twilio;
        _publicUrls = publicUrls;
        _logger = logger;
    }

    /// <summary>
    /// An HTTP webhook: a form POST is signed over the URL plus every form value (repeated names included); a JSON
    /// body over the URL carrying bodySHA256, which must match the body; anything else (GET) over the URL alone.
    /// A JSON body is buffered and rewound so the endpoint can still read it.
    /// </summary>
    public async Task<bool> IsValidAsync(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var url = TwilioRequestUrl.Rebuild(request, _publicUrls.Value.FunctionsBaseUrl);
        var signature = request.Headers[TwilioSignatureCheck.HeaderName].ToString();
        var token = _twilio.Value.AuthToken;
        var aborted = request.HttpContext.RequestAborted;

        bool valid;
        if (request.HasFormContentType)
        {
            var form = await ReadFormOrNullAsync(request, aborted).ConfigureAwait(false);
            var pairs = form?.SelectMany(field => field.Value.Select(value => new KeyValuePair<string, string>(field.Key, value ?? string.Empty)));
            valid = pairs is not null && TwilioSignatureCheck.IsValidForm(token, url, pairs, signature);
        }
        else if (request.HasJsonContentType())
        {
            var body = await ReadBufferedAsync(request, aborted).ConfigureAwait(false);
            valid = body is not null && TwilioSignatureCheck.IsValidJsonBody(token, url, body, signature);
        }
        else
        {
            valid = TwilioSignatureCheck.IsValidUrl(token, url, signature);
        }

        LogIfInvalid(valid, url, signature, request.Method);
        return valid;
    }

    /// <summary>
    /// A WebSocket upgrade (ConversationRelay, Media Streams): signed over the URL alone. <paramref name="publicBaseUrl"/>
    /// is the wss base Twilio was given (PublicUrls:RelayBaseUrl); null rebuilds it from forwarded headers.
    /// </summary>
    public bool IsValidUpgrade(HttpContext context, string? publicBaseUrl)
    {
        ArgumentNullException.ThrowIfNull(context);
        var url = TwilioRequestUrl.Rebuild(context.Request, publicBaseUrl);
        var signature = context.Request.Headers[TwilioSignatureCheck.HeaderName].ToString();
        var valid = TwilioSignatureCheck.IsValidUrl(_twilio.Value.AuthToken, url, signature);
        LogIfInvalid(valid, url, signature, "upgrade");
        return valid;
    }

    // A malformed or oversized form is not something Twilio sent: refuse it like a bad signature instead of failing with 500.
    private static async Task<IFormCollection?> ReadFormOrNullAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await request.ReadFormAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidDataException or BadHttpRequestException)
        {
            return null;
        }
    }

    private static async Task<byte[]?> ReadBufferedAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxJsonBodyBytes)
        {
            return null;
        }

        request.EnableBuffering(MaxJsonBodyBytes);
        request.Body.Position = 0;
        using var copy = new MemoryStream();
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (copy.Length + read > MaxJsonBodyBytes)
            {
                request.Body.Position = 0;
                return null;
            }

            copy.Write(buffer, 0, read);
        }

        request.Body.Position = 0;
        return copy.ToArray();
    }

    private void LogIfInvalid(bool valid, string url, string signature, string kind)
    {
        if (!valid)
        {
            _logger.LogWarning(
                "Rejected a Twilio {Kind} request: X-Twilio-Signature {State} for URL {Url}",
                kind, string.IsNullOrEmpty(signature) ? "missing" : "does not match", url);
        }
    }
}
