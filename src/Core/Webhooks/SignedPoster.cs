using System.Net.Http.Headers;

namespace AgentOS.Voice.Webhooks;

/// <summary>What came back from one signed POST.</summary>
/// <param name="Status">The HTTP status; null when no response came (refused, unreachable, timed out).</param>
/// <param name="Body">The response body (at most <see cref="SignedPoster.MaxResponseBytes"/>), or null.</param>
/// <param name="Error">Why it failed, in words for logs and dead letters; null on a 2xx.</param>
public sealed record PostResult(int? Status, string? Body, string? Error)
{
    public bool Succeeded => Error is null;
}

/// <summary>
/// POSTs a JSON body to an agent's endpoint signed per Standard Webhooks with the agent's secret, over the guarded
/// <see cref="AgentEndpointsServiceCollectionExtensions.HttpClientName"/> client. Never throws for the endpoint's
/// failures: they come back as a <see cref="PostResult"/>.
/// </summary>
public sealed class SignedPoster(IHttpClientFactory clients, TimeProvider time)
{
    /// <summary>A larger answer is cut: a tool's answer goes to the model, and a webhook's is only logged.</summary>
    public const int MaxResponseBytes = 64 * 1024;

    /// <param name="webhookId">Stable for one event across retries: the receiver dedupes by it.</param>
    /// <param name="extraHeaders">E.g. an Idempotency-Key.</param>
    public async Task<PostResult> PostAsync(
        string url, string secret, string webhookId, byte[] body, TimeSpan timeout,
        IReadOnlyDictionary<string, string>? extraHeaders, CancellationToken cancellationToken)
    {
        using var timeoutSource = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token);
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" } } },
        };
        request.Headers.Add(StandardWebhook.IdHeader, webhookId);
        request.Headers.Add(StandardWebhook.TimestampHeader, timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add(StandardWebhook.SignatureHeader, StandardWebhook.Sign(secret, webhookId, timestamp, body));
        foreach (var (name, value) in extraHeaders ?? new Dictionary<string, string>())
        {
            request.Headers.Add(name, value);
        }

        try
        {
            using var client = clients.CreateClient(AgentEndpointsServiceCollectionExtensions.HttpClientName);
            client.Timeout = Timeout.InfiniteTimeSpan;
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
            var text = await ReadCappedAsync(response.Content, linked.Token);
            var status = (int)response.StatusCode;
            return response.IsSuccessStatusCode
                ? new PostResult(status, text, null)
                : new PostResult(status, text, $"HTTP {status} {response.ReasonPhrase}");
        }
        catch (OperationCanceledException) when (timeoutSource.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return new PostResult(null, null, $"no answer within {timeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException e)
        {
            return new PostResult(null, null, e.Message);
        }
    }

    private static async Task<string> ReadCappedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[MaxResponseBytes];
        var total = 0;
        int read;
        while (total < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken)) > 0)
        {
            total += read;
        }

        return System.Text.Encoding.UTF8.GetString(buffer, 0, total);
    }
}
