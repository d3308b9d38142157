using System.Net;
using System.Net.Http.Headers;
using Azure.Core;

namespace AgentOS.Voice.Events;

/// <summary>
/// The narrow slice of Web PubSub's data-plane REST API we use (protocols.md §5.1): send to a group, and client access
/// URLs for the negotiate endpoint. The Azure SDK for
/// it is not served here. Requests carry an HS256 token we sign with the access key (aud = the request URL, one
/// minute) or a Microsoft Entra token; failures come back as <see cref="WebPubSubRequestException"/>. No retries here:
/// the publisher decides what to retry.
/// </summary>
public sealed class WebPubSubServiceClient
{
    /// <summary>Entra scope the service accepts.</summary>
    public const string EntraScope = "https://webpubsub.azure.com/.default";

    public const string HttpClientName = "webpubsub";

    private static readonly TimeSpan TokenLifetime = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan EntraRefreshMargin = TimeSpan.FromMinutes(5);

    private readonly HttpClient _http;
    private readonly WebPubSubServiceClientOptions _options;
    private readonly TimeProvider _time;
    private readonly TokenCredential? _credential;
    private readonly SemaphoreSlim _entraRefresh = new(1, 1);
    private AccessToken _entraToken;

    public WebPubSubServiceClient(HttpClient http, WebPubSubServiceClientOptions options, TimeProvider time, TokenCredential? credential = null)
    {
        if (options.AccessKey is null && credential is null)
        {
            throw new ArgumentException("Without an access key the client needs a TokenCredential for Microsoft Entra ID.", nameof(credential));
        }

        _http = http;
        _options = options;
        _time = time;
        _credential = options.AccessKey is null ? credential : null;
    }

    public WebPubSubServiceClientOptions Options => _options;

    /// <summary>POST {endpoint}/api/hubs/{hub}/groups/{group}/:send with a JSON body; the service answers 202.</summary>
    public async Task SendToGroupAsync(string group, ReadOnlyMemory<byte> json, CancellationToken cancellationToken)
    {
        var content = new ReadOnlyMemoryContent(json);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await PostAsync($"groups/{Uri.EscapeDataString(group)}/:send", content, $"the send to group '{group}'", cancellationToken);
    }

    /// <summary>
    /// A client URL (wss:// for the service, ws:// for an http endpoint such as the local stand-in) whose token allows
    /// <paramref name="roles"/> and expires after <paramref name="lifetime"/>. With an access key we sign it
    /// (aud = {endpoint}/client/hubs/{hub}); with Entra ID the service makes it (<c>:generateToken</c>).
    /// </summary>
    public async Task<Uri> GetClientAccessUriAsync(IReadOnlyCollection<string> roles, TimeSpan lifetime, string? userId, CancellationToken cancellationToken)
    {
        var hub = Uri.EscapeDataString(_options.Hub);
        string token;
        if (_options.AccessKey is { } key)
        {
            var now = _time.GetUtcNow();
            token = AccessKeyToken.Create(key, $"{_options.Base}/client/hubs/{hub}", now, now + lifetime, userId, roles);
        }
        else
        {
            var query = string.Concat(roles.Select(r => "&role=" + Uri.EscapeDataString(r)))
                + $"&minutesToExpire={(int)Math.Ceiling(lifetime.TotalMinutes)}"
                + (userId is null ? "" : "&userId=" + Uri.EscapeDataString(userId));
            using var response = await PostAsync(":generateToken", null, "a client token", cancellationToken, query);
            using var json = await System.Text.Json.JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
            token = json.RootElement.GetProperty("token").GetString()
                ?? throw new WebPubSubRequestException(response.StatusCode, "Web PubSub's :generateToken answered without a token.", null);
        }

        var scheme = _options.Endpoint.Scheme == "https" ? "wss" : "ws";
        return new Uri($"{scheme}://{_options.Endpoint.Authority}/client/hubs/{hub}?access_token={Uri.EscapeDataString(token)}");
    }

    /// <summary>POST {endpoint}/api/hubs/{hub}/{path}; a response that is not a success becomes a typed error.</summary>
    private async Task<HttpResponseMessage> PostAsync(
        string path, HttpContent? content, string what, CancellationToken cancellationToken, string extraQuery = "")
    {
        var url = $"{_options.Base}/api/hubs/{Uri.EscapeDataString(_options.Hub)}/{path}?api-version={WebPubSubServiceClientOptions.ApiVersion}{extraQuery}";
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await ServiceTokenAsync(url, cancellationToken));
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new WebPubSubRequestException(null, $"Web PubSub at {_options.Base} could not be reached: {e.Message}", null, e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new WebPubSubRequestException(null, $"Web PubSub at {_options.Base} did not answer in time.", null, e);
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            var retryAfter = response.Headers.RetryAfter?.Delta
                ?? (response.Headers.RetryAfter?.Date is { } at ? at - _time.GetUtcNow() : null);
            throw new WebPubSubRequestException(
                response.StatusCode,
                $"Web PubSub refused {what} with {(int)response.StatusCode} {response.StatusCode}: {Trim(body)}",
                retryAfter);
        }
    }

    private async ValueTask<string> ServiceTokenAsync(string url, CancellationToken cancellationToken)
    {
        if (_options.AccessKey is { } key)
        {
            var now = _time.GetUtcNow();
            return AccessKeyToken.Create(key, url, now, now + TokenLifetime);
        }

        if (_entraToken.ExpiresOn > _time.GetUtcNow() + EntraRefreshMargin)
        {
            return _entraToken.Token;
        }

        await _entraRefresh.WaitAsync(cancellationToken);
        try
        {
            if (_entraToken.ExpiresOn <= _time.GetUtcNow() + EntraRefreshMargin)
            {
                try
                {
                    _entraToken = await _credential!.GetTokenAsync(new TokenRequestContext([EntraScope]), cancellationToken);
                }
                catch (Exception e) when (e is Azure.Identity.AuthenticationFailedException or Azure.Identity.CredentialUnavailableException)
                {
                    throw new WebPubSubRequestException(null, $"No Microsoft Entra token for Web PubSub ({EntraScope}): {e.Message}", null, e);
                }
            }

            return _entraToken.Token;
        }
        finally
        {
            _entraRefresh.Release();
        }
    }

    private static string Trim(string body) => body.Length <= 300 ? body : body[..300] + "…";
}

/// <summary>
/// A Web PubSub request that failed: <see cref="StatusCode"/> is null when the service was not reached.
/// <see cref="IsTransient"/> says whether trying again may succeed (unreachable, 429, 5xx).
/// </summary>
public sealed class WebPubSubRequestException(HttpStatusCode? statusCode, string message, TimeSpan? retryAfter, Exception? inner = null)
    : Exception(message, inner)
{
    public HttpStatusCode? StatusCode { get; } = statusCode;

    /// <summary>What the service asked us to wait (Retry-After), if it said.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;

    public bool IsTransient => StatusCode is null or HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError;
}
