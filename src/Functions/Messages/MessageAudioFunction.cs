using AgentOS.Voice.Functions.ManagementApi;
using AgentOS.Voice.Messages;
using AgentOS.Voice.Outcomes;
using AgentOS.Voice.Speech;
using AgentOS.Voice.Storage;
using Azure;
using Azure.Storage.Blobs;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace AgentOS.Voice.Functions.Messages;

/// <summary>
/// GET /api/agents/{agentId}/messages/{messageId}/audio and …/recording (management key): the message's rendered audio
/// and the copy of its answer's recording (made with its outcome, <see cref="OutcomeRecordings"/>), for the console's
/// player. Stored as mu-law for Twilio; browsers do not all play mu-law WAV, so it is decoded to 16-bit PCM
/// on the way out (a 2-minute message is ~2 MB). Behind the key rather than a SAS URL: the console already holds the
/// key, and a link that works for anyone who sees it is one more thing that can leak.
/// </summary>
public sealed class MessageAudioFunction(
    ManagementApiKey key, IVoiceMessageStore store, VoiceAudioContainer container, BlobServiceClient blobs, IOptions<StorageOptions> storage)
{
    [Function("MessagesAudio")]
    public async Task<IResult> GetAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/agents/{agentId}/messages/{messageId}/audio")] HttpRequest request,
        string agentId, string messageId, CancellationToken cancellationToken)
    {
        var (message, refusal) = await FindAsync(request, agentId, messageId, cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        if (message!.AudioBlob is not { } blobName)
        {
            return Results.Problem(
                statusCode: StatusCodes.Status404NotFound, title: "The message has no audio yet.",
                detail: $"Message {messageId} is {message.State.Name()} and has not been rendered.");
        }

        return await PcmWavAsync(container.Client.GetBlobClient(blobName), "The message's audio is gone.", cancellationToken);
    }

    [Function("MessagesRecording")]
    public async Task<IResult> GetRecordingAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/agents/{agentId}/messages/{messageId}/recording")] HttpRequest request,
        string agentId, string messageId, CancellationToken cancellationToken)
    {
        var (message, refusal) = await FindAsync(request, agentId, messageId, cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        var blob = blobs.GetBlobContainerClient(storage.Value.Prefixed(OutcomeRecordings.ContainerName))
            .GetBlobClient(OutcomeRecordings.BlobName(message!.AgentId, message.Id));
        return await PcmWavAsync(blob, "The message has no stored recording (none was made, or its outcome has not copied it yet).", cancellationToken);
    }

    /// <summary>The key checked first, then the message: both endpoints answer 401 and 404 the same way.</summary>
    private async Task<(VoiceMessage? Message, IResult? Refusal)> FindAsync(
        HttpRequest request, string agentId, string messageId, CancellationToken cancellationToken)
    {
        if (key.Refuse(request) is { } refused)
        {
            return (null, refused);
        }

        return await store.GetAsync(agentId, messageId, cancellationToken) is { } message
            ? (message, null)
            : (null, Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such message.", detail: $"Agent '{agentId}' has no message '{messageId}'."));
    }

    private static async Task<IResult> PcmWavAsync(BlobClient blob, string missing, CancellationToken cancellationToken)
    {
        try
        {
            var content = await blob.DownloadContentAsync(cancellationToken);
            var wav = WavFile.Read(content.Value.Content.ToMemory());
            return Results.Bytes(WavFile.WritePcm16(wav.ToPcm16(), wav.SampleRate, wav.Channels), "audio/wav");
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: missing, detail: $"Blob {blob.Name} does not exist.");
        }
    }
}
