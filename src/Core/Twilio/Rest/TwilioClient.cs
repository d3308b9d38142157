using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Twilio.Clients;
using Twilio.Exceptions;
using Twilio.Http;
using Twilio.Rest.Api.V2010.Account;

namespace AgentOS.Voice.Twilio.Rest;

/// <summary>
/// The part of Twilio's Voice REST API we use (create, update and fetch calls), through Twilio's SDK: a
/// <see cref="TwilioRestClient"/> whose HTTP client comes from the factory (see
/// <see cref="TwilioServiceCollectionExtensions.AddTwilio"/> for its resilience rules and the rewrite to
/// Twilio:ApiBaseUrl). Twilio's refusals become <see cref="TwilioApiException"/>; a request that got no answer throws
/// what the HTTP client threw (HttpRequestException, a timeout), as before the SDK.
/// </summary>
public sealed class TwilioClient
{
    /// <summary>The factory's name for the HTTP client the SDK sends through.</summary>
    public const string HttpClientName = "twilio";

    private readonly IHttpClientFactory _httpClients;
    private readonly TwilioOptions _options;
    private readonly CallRateLimiter _rateLimiter;
    private readonly ILogger<TwilioClient> _logger;

    public TwilioClient(IHttpClientFactory httpClients, IOptions<TwilioOptions> options, CallRateLimiter rateLimiter, ILogger<TwilioClient> logger)
    {
        _httpClients = httpClients;
        _options = options.Value;
        _rateLimiter = rateLimiter;
        _logger = logger;
    }

    /// <summary>
    /// Places an outbound call, waiting for the account's calls-per-second budget first. A timeout or network error
    /// here means the outcome is unknown (Twilio may have placed the call): do not simply call again; wait for the
    /// status callback or look the call up.
    /// </summary>
    public async Task<CallResource> CreateCallAsync(CreateCallOptions options, CancellationToken cancellationToken = default)
    {
        CallOptionsRules.Validate(options);
        await _rateLimiter.WaitAsync(cancellationToken).ConfigureAwait(false);
        var call = await SendAsync(client => CallResource.CreateAsync(options, client), cancellationToken).ConfigureAwait(false);
        _logger.LogInformation("Twilio created call {CallSid} ({Status})", call.Sid, call.Status);
        return call;
    }

    /// <summary>Redirects a live call to new TwiML or a URL, or ends it.</summary>
    public Task<CallResource> UpdateCallAsync(UpdateCallOptions options, CancellationToken cancellationToken = default)
    {
        CallOptionsRules.Validate(options);
        return SendAsync(client => CallResource.UpdateAsync(options, client), cancellationToken);
    }

    public Task<CallResource> GetCallAsync(string callSid, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(callSid);
        return SendAsync(client => CallResource.FetchAsync(new FetchCallOptions(callSid), client), cancellationToken);
    }

    private async Task<CallResource> SendAsync(Func<ITwilioRestClient, Task<CallResource>> request, CancellationToken cancellationToken)
    {
        // One SDK client per request: the SDK's HTTP client remembers the last response, which tells the status of an
        // error whose body was not Twilio's JSON. Both are small; the factory pools the connections underneath.
        var http = new SystemNetHttpClient(_httpClients.CreateClient(HttpClientName));
        var useKey = !string.IsNullOrEmpty(_options.ApiKeySid) && !string.IsNullOrEmpty(_options.ApiKeySecret);
        var client = useKey
            ? new TwilioRestClient(_options.ApiKeySid, _options.ApiKeySecret, _options.AccountSid, httpClient: http)
            : new TwilioRestClient(_options.AccountSid, _options.AuthToken, _options.AccountSid, httpClient: http);
        try
        {
            // The SDK takes no cancellation token: a cancelled caller stops waiting, and the request runs to its timeout.
            return await request(client).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ApiConnectionException e) when (e.InnerException is not null)
        {
            ExceptionDispatchInfo.Throw(e.InnerException);
            throw;
        }
        catch (ApiException e)
        {
            throw TwilioApiException.From(e, http.LastResponse);
        }
    }
}
