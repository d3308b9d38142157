using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentOS.Voice.Twilio.Rest;

/// <summary>
/// The part of Twilio's Voice REST API we use: create, update and fetch calls. Typed HttpClient from the factory
/// (see <see cref="TwilioServiceCollectionExtensions.AddTwilio"/> for its resilience rules); errors become
/// <see cref="TwilioApiException"/>.
/// </summary>
public sealed class TwilioClient
{
    /// <summary>Marks a request that must not be retried after it may have reached Twilio (it would ring a person twice).</summary>
    internal static readonly HttpRequestOptionsKey<bool> CreatesCall = new("AgentOS.Twilio.CreatesCall");

    private readonly HttpClient _http;
    private readonly TwilioOptions _options;
    private readonly CallRateLimiter _rateLimiter;
    private readonly ILogger<TwilioClient> _logger;

    public TwilioClient(HttpClient http, IOptions<TwilioOptions> options, CallRateLimiter rateLimiter, ILogger<TwilioClient> logger)
    {
        _http = http;
        _options = options.Value;
        _rateLimiter = rateLimiter;
        _logger = logger;
    }

    /// <summary>
    /// Places an outbound call, waiting for the account's calls-per-second budget first. A timeout or network error
    /// here means the outcome is unknown (Twilio may have placed the call): do not simply call again; wait for the
    /// status callback or look the call up.
    /// </summary>
    public async Task<CallResource> CreateCallAsync(CreateCallRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        await _rateLimiter.WaitAsync(cancellationToken).ConfigureAwait(false);

        using var message = new HttpRequestMessage(HttpMethod.Post, CallsPath(".json"))
        {
            Content = new FormUrlEncodedContent(request.ToForm()),
        };
        message.Options.Set(CreatesCall, true);
        var call = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        _logger.LogInformation("Twilio created call {CallSid} ({Status})", call.Sid, call.Status);
        return call;
    }

    /// <summary>Redirects a live call to new TwiML or a URL, or ends it.</summary>
    public Task<CallResource> UpdateCallAsync(string callSid, UpdateCallRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        var message = new HttpRequestMessage(HttpMethod.Post, CallsPath("/" + Sid(callSid) + ".json"))
        {
            Content = new FormUrlEncodedContent(request.ToForm()),
        };
        return SendAndDisposeAsync(message, cancellationToken);
    }

    public Task<CallResource> GetCallAsync(string callSid, CancellationToken cancellationToken = default) =>
        SendAndDisposeAsync(new HttpRequestMessage(HttpMethod.Get, CallsPath("/" + Sid(callSid) + ".json")), cancellationToken);

    private async Task<CallResource> SendAndDisposeAsync(HttpRequestMessage message, CancellationToken cancellationToken)
    {
        using (message)
        {
            return await SendAsync(message, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<CallResource> SendAsync(HttpRequestMessage message, CancellationToken cancellationToken)
    {
        message.Headers.Authorization = BasicAuth();
        message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await _http.SendAsync(message, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw Error(response.StatusCode, body);
        }

        try
        {
            using var json = JsonDocument.Parse(body);
            return CallResource.Parse(json.RootElement);
        }
        catch (JsonException e)
        {
            throw new TwilioApiException((int)response.StatusCode, null, $"the response is not a call resource ({e.Message}): {Excerpt(body)}", null);
        }
    }

    private static TwilioApiException Error(HttpStatusCode status, string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("message", out var message))
            {
                int? code = root.TryGetProperty("code", out var c) && c.TryGetInt32(out var n) ? n : null;
                var moreInfo = root.TryGetProperty("more_info", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
                return new TwilioApiException((int)status, code, message.GetString() ?? string.Empty, moreInfo);
            }
        }
        catch (JsonException)
        {
            // Not Twilio's error JSON (a gateway's HTML page, an empty body): report what arrived.
        }

        return new TwilioApiException((int)status, null, $"{status}, body: {Excerpt(body)}", null);
    }

    private static string Excerpt(string body) =>
        string.IsNullOrWhiteSpace(body) ? "(empty)" : body.Length <= 200 ? body : body[..200] + "…";

    private AuthenticationHeaderValue BasicAuth()
    {
        var useKey = !string.IsNullOrEmpty(_options.ApiKeySid) && !string.IsNullOrEmpty(_options.ApiKeySecret);
        var credentials = useKey ? $"{_options.ApiKeySid}:{_options.ApiKeySecret}" : $"{_options.AccountSid}:{_options.AuthToken}";
        return new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
    }

    private Uri CallsPath(string rest) =>
        new($"{_options.ApiBaseUrl.TrimEnd('/')}/2010-04-01/Accounts/{Uri.EscapeDataString(_options.AccountSid)}/Calls{rest}");

    private static string Sid(string callSid)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(callSid);
        return Uri.EscapeDataString(callSid);
    }
}
