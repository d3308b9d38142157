using AgentOS.Voice.Speech;
using AgentOS.Voice.Storage;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Options;

namespace AgentOS.Voice.Messages;

/// <summary>
/// Rendered message audio in container <c>{NamePrefix}voice-audio</c> (<see cref="VoiceAudioContainer"/>): mu-law 8 kHz WAV named by
/// <see cref="SpeechCacheKey"/>, so the same words in the same voice are synthesized once, and handed to Twilio as a
/// read-only URL that expires.
/// </summary>
public sealed class VoiceMessageAudio(
    BlobServiceClient blobs,
    VoiceAudioContainer container,
    ISpeechSynthesizer synthesizer,
    IOptions<VoiceMessageOptions> options,
    IOptions<ElevenLabsClientOptions> elevenLabs,
    IOptions<EspeakOptions> espeak,
    TimeProvider time)
{
    private readonly BlobContainerClient _container = container.Client;

    /// <summary>The blob holding this text in this voice, rendering and storing it first when it is not there yet.</summary>
    /// <exception cref="SpeechSynthesisException">The provider failed.</exception>
    public async Task<string> EnsureRenderedAsync(string text, string voice, string language, CancellationToken cancellationToken)
    {
        await container.EnsureCreatedAsync(cancellationToken);
        var blobName = SpeechCacheKey.For(synthesizer.ProviderName, voice, ConfiguredModel(), text) + ".wav";
        var blob = _container.GetBlobClient(blobName);
        if (await blob.ExistsAsync(cancellationToken))
        {
            return blobName;
        }

        var speech = await synthesizer.SynthesizeAsync(new SpeechRequest(text, voice, language), cancellationToken);
        try
        {
            // Content-addressed: when two workers render the same words at once, the first upload stands and is identical.
            await blob.UploadAsync(
                new BinaryData(speech.ToWav()),
                new BlobUploadOptions
                {
                    HttpHeaders = new BlobHttpHeaders { ContentType = "audio/wav" },
                    Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
                },
                cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            // Already uploaded by another worker.
        }

        return blobName;
    }

    /// <summary>A read-only URL for <paramref name="blobName"/> that expires after <see cref="VoiceMessageOptions.AudioUrlLifetime"/>.</summary>
    public Task<Uri> GetPlaybackUrlAsync(string blobName, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return BlobReadLinks.CreateAsync(blobs, _container.GetBlobClient(blobName), now, now + options.Value.AudioUrlLifetime, cancellationToken);
    }

    // The provider's own default model decides the sound, so it belongs in the key: changing it renders anew.
    private string? ConfiguredModel() => synthesizer.ProviderName switch
    {
        ElevenLabsClient.Provider => elevenLabs.Value.ModelId,
        EspeakSpeechSynthesizer.Provider => $"{espeak.Value.WordsPerMinute}wpm",
        _ => null,
    };
}

/// <summary>The audio container, created once per process (the synthesizer's typed client keeps the renderer itself transient).</summary>
public sealed class VoiceAudioContainer(BlobServiceClient blobs, IOptions<StorageOptions> storage)
{
    public const string Name = "voice-audio";

    private readonly SemaphoreSlim _createLock = new(1, 1);
    private volatile bool _created;

    public BlobContainerClient Client { get; } = blobs.GetBlobContainerClient(storage.Value.Prefixed(Name));

    public async Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        if (_created)
        {
            return;
        }

        await _createLock.WaitAsync(cancellationToken);
        try
        {
            if (!_created)
            {
                await Client.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
                _created = true;
            }
        }
        finally
        {
            _createLock.Release();
        }
    }
}
