using AgentOS.Voice.Functions.ManagementApi;
using AgentOS.Voice.Messages;
using AgentOS.Voice.Speech;
using Azure;
using Microsoft.Azure.Functions.Worker;

namespace AgentOS.Voice.Functions.Messages;

/// <summary>
/// GET /api/agents/{agentId}/messages/{messageId}/audio (management key): the message's rendered audio, for the
/// console's player. Stored as mu-law for Twilio; browsers do not all play mu-law WAV, so it is decoded to 16-bit PCM
/// on the way out (a 2-minute message is ~2 MB). Behind the key rather than a SAS URL: the console already holds the
/// key, and a link that works for anyone who sees it is one more thing that can leak.
/// </summary>
public sealed class MessageAudioFunction(ManagementApiKey key, IVoiceMessageStore store, VoiceAudioContainer container)
{
    [Function("MessagesAudio")]
    public async Task<IResult> GetAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/agents/{agentId}/messages/{messageId}/audio")] HttpRequest request,
        string agentId, string messageId, CancellationToken cancellationToken)
    {
        if (key.Refuse(request) is { } refused)
        {
            return refused;
        }

        if (await store.GetAsync(agentId, messageId, cancellationToken) is not { } message)
        {
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such message.", detail: $"Agent '{agentId}' has no message '{messageId}'.");
        }

        if (message.AudioBlob is not { } blobName)
        {
            return Results.Problem(
                statusCode: StatusCodes.Status404NotFound, title: "The message has no audio yet.",
                detail: $"Message {messageId} is {message.State.Name()} and has not been rendered.");
        }

        try
        {
            var content = await container.Client.GetBlobClient(blobName).DownloadContentAsync(cancellationToken);
            var wav = WavFile.Read(content.Value.Content.ToMemory());
            return Results.Bytes(WavFile.WritePcm16(wav.ToPcm16(), wav.SampleRate, wav.Channels), "audio/wav");
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "The message's audio is gone.", detail: $"Blob {blobName} no longer exists.");
        }
    }
}
