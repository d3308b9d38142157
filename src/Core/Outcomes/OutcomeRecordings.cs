using System.Net.Http.Headers;
using System.Text;
using AgentOS.Voice.Messages;
using AgentOS.Voice.Storage;
using AgentOS.Voice.Twilio;
using AgentOS.Voice.Twilio.Rest;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentOS.Voice.Outcomes;

/// <summary>
/// A message's recorded answer, copied from Twilio into the private container <c>{prefix}recordings</c>
/// (<c>{agentId}/{messageId}.wav</c>) when its outcome is made, and handed out only as a read-only link that expires
/// after <see cref="OutcomeOptions.RecordingLinkLifetime"/>, made afresh for every delivery. The copy is fetched with
/// the account's credentials (Twilio can require them for media) and only from Twilio's API host or Twilio:ApiBaseUrl,
/// so a recording URL can never make us fetch anything else.
/// </summary>
public sealed partial class OutcomeRecordings(
    BlobServiceClient blobs,
    IOptions<StorageOptions> storage,
    IHttpClientFactory httpClients,
    IOptions<TwilioOptions> twilio,
    IOptions<OutcomeOptions> options,
    TimeProvider time,
    ILogger<OutcomeRecordings> logger)
{
    public const string ContainerName = "recordings";
    private const string TwilioApiHost = "api.twilio.com";

    private readonly BlobContainerClient _container = blobs.GetBlobContainerClient(storage.Value.Prefixed(ContainerName));

    /// <summary>
    /// Copies the message's recording unless it is there already; true when the copy exists. A copy that fails (Twilio
    /// unreachable, the media gone) leaves the outcome without a link rather than holding the outcome back.
    /// </summary>
    public async Task<bool> CopyAsync(VoiceMessage message, CancellationToken cancellationToken)
    {
        if (message.RecordingUrl is not { } url || !IsTwilioMedia(url))
        {
            return false;
        }

        await _container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        var blob = _container.GetBlobClient(BlobName(message.AgentId, message.Id));
        if (await blob.ExistsAsync(cancellationToken))
        {
            return true;
        }

        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            var o = twilio.Value;
            var (user, password) = string.IsNullOrEmpty(o.ApiKeySid) ? (o.AccountSid, o.AuthToken) : (o.ApiKeySid, o.ApiKeySecret!);
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
            using var response = await httpClients.CreateClient(TwilioClient.HttpClientName).SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                LogCopyFailed(null, message.Id, $"HTTP {(int)response.StatusCode}");
                return false;
            }

            // Same recording, same bytes: a concurrent copy overwriting this one changes nothing.
            await blob.UploadAsync(await response.Content.ReadAsStreamAsync(cancellationToken),
                new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "audio/wav" } }, cancellationToken);
            return true;
        }
        catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            LogCopyFailed(e, message.Id, e.Message);
            return false;
        }
    }

    /// <summary>The outcome as delivered: with a fresh read-only link to its stored recording, if it has one.</summary>
    public async Task<CallOutcome> WithLinkAsync(CallOutcome outcome, CancellationToken cancellationToken)
    {
        if (outcome.Recording is not { Stored: true } recording)
        {
            return outcome;
        }

        var now = time.GetUtcNow();
        var expires = now + options.Value.RecordingLinkLifetime;
        var url = await BlobReadLinks.CreateAsync(blobs, _container.GetBlobClient(BlobName(outcome.AgentId, outcome.Id)), now, expires, cancellationToken);
        return outcome with { Recording = recording with { Url = url.AbsoluteUri, UrlExpiresAt = expires } };
    }

    public static string BlobName(string agentId, string messageId) => $"{agentId}/{messageId}.wav";

    private bool IsTwilioMedia(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) &&
        ((uri.Scheme == Uri.UriSchemeHttps && string.Equals(uri.Host, TwilioApiHost, StringComparison.OrdinalIgnoreCase)) ||
         url.StartsWith(twilio.Value.ApiBaseUrl.TrimEnd('/') + "/", StringComparison.OrdinalIgnoreCase));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId}: the recording could not be copied ({Reason}); its outcome has no link")]
    private partial void LogCopyFailed(Exception? e, string messageId, string reason);
}
