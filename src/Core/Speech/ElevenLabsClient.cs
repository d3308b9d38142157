using System.Net;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace AgentOS.Voice.Speech;

/// <summary>
/// ElevenLabs text-to-speech over HTTP (POST /v1/text-to-speech/{voice_id}[/stream]), always asking for ulaw_8000.
/// Retries of 429/5xx come from the HttpClient's resilience handler (AddServiceDefaults); this client only maps errors.
/// </summary>
public sealed class ElevenLabsClient : ISpeechSynthesizer
{
    public const string Provider = "elevenlabs";

    private static readonly HashSet<string> LanguageCodeModels = new(StringComparer.Ordinal) { "eleven_flash_v2_5", "eleven_turbo_v2_5" };

    private readonly HttpClient _http;
    private readonly ElevenLabsClientOptions _options;
    private readonly Uri _baseUri;

    public ElevenLabsClient(HttpClient httpClient, IOptions<ElevenLabsClientOptions> options)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(options);
        _http = httpClient;
        _options = options.Value;
        _baseUri = new Uri(_options.BaseUrl.TrimEnd('/') + "/", UriKind.Absolute);
    }

    public string ProviderName => Provider;

    /// <summary>Whole utterance in one response: for messages that are stored and played later.</summary>
    public async Task<SynthesizedSpeech> SynthesizeAsync(SpeechRequest request, CancellationToken cancellationToken = default)
    {
        using var message = CreateRequest(request, stream: false, out var model);
        using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        await ThrowIfErrorAsync(response, cancellationToken).ConfigureAwait(false);
        var audio = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        return new SynthesizedSpeech(audio, Provider, request.Voice, model);
    }

    /// <summary>
    /// Audio chunks as ElevenLabs generates them, for live playback. Each chunk is a fresh buffer the caller may keep.
    /// Errors surface on the first MoveNextAsync, before any audio.
    /// </summary>
    public async IAsyncEnumerable<ReadOnlyMemory<byte>> StreamAsync(SpeechRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var message = CreateRequest(request, stream: true, out _);
        using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        await ThrowIfErrorAsync(response, cancellationToken).ConfigureAwait(false);

        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var buffer = new byte[4096];
        int read;
        while ((read = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            yield return buffer.AsSpan(0, read).ToArray();
        }
    }

    private HttpRequestMessage CreateRequest(SpeechRequest request, bool stream, out string model)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        if (string.IsNullOrWhiteSpace(request.Voice))
        {
            throw new ArgumentException("ElevenLabs needs a voice id.", nameof(request));
        }

        model = string.IsNullOrWhiteSpace(request.Model) ? _options.ModelId : request.Model;
        var path = $"v1/text-to-speech/{Uri.EscapeDataString(request.Voice)}{(stream ? "/stream" : string.Empty)}" +
                   $"?output_format={Uri.EscapeDataString(_options.OutputFormat)}";

        var body = new JsonObject
        {
            ["text"] = request.Text,
            ["model_id"] = model,
            ["voice_settings"] = new JsonObject
            {
                ["stability"] = _options.Stability,
                ["similarity_boost"] = _options.SimilarityBoost,
                ["speed"] = _options.Speed,
            },
        };

        var language = LanguageCode(request.Language);
        if (_options.SendLanguageCode && language is not null && LanguageCodeModels.Contains(model))
        {
            body["language_code"] = language;
        }

        var message = new HttpRequestMessage(HttpMethod.Post, new Uri(_baseUri, path))
        {
            Content = JsonContent.Create(body),
        };
        message.Headers.Add("xi-api-key", _options.ApiKey);
        return message;
    }

    /// <summary>ISO 639-1 from a BCP-47 tag ("es-ES" → "es"); null when there is no two-letter primary subtag.</summary>
    private static string? LanguageCode(string? language)
    {
        if (string.IsNullOrWhiteSpace(language))
        {
            return null;
        }

        var primary = language.Split('-', '_')[0];
        return primary.Length == 2 && primary.All(char.IsAsciiLetter) ? primary.ToLowerInvariant() : null;
    }

    private static async Task ThrowIfErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        throw ParseError(response.StatusCode, text);
    }

    private static ElevenLabsException ParseError(HttpStatusCode status, string body)
    {
        var prefix = $"ElevenLabs text-to-speech failed with HTTP {(int)status}";
        JsonElement detail;
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("detail", out var found))
            {
                return new ElevenLabsException(status, null, $"{prefix}: {Shorten(body)}");
            }

            detail = found.Clone();
        }
        catch (JsonException)
        {
            return new ElevenLabsException(status, null, $"{prefix}: {Shorten(body)}");
        }

        switch (detail.ValueKind)
        {
            case JsonValueKind.Object:
                var code = StringProperty(detail, "status") ?? StringProperty(detail, "code");
                var text = StringProperty(detail, "message") ?? detail.GetRawText();
                return new ElevenLabsException(status, code, $"{prefix} ({code ?? "no code"}): {text}");

            case JsonValueKind.Array:
                var fields = detail.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Object).Select(e => new ElevenLabsInvalidField(
                    e.TryGetProperty("loc", out var loc) && loc.ValueKind == JsonValueKind.Array
                        ? string.Join('.', loc.EnumerateArray().Select(p => p.ToString()))
                        : string.Empty,
                    StringProperty(e, "msg") ?? string.Empty,
                    StringProperty(e, "type"))).ToList();
                var summary = string.Join("; ", fields.Select(f => $"{f.Location}: {f.Message}"));
                return new ElevenLabsException(status, null, $"{prefix}, invalid request: {summary}", fields);

            case JsonValueKind.String:
                return new ElevenLabsException(status, null, $"{prefix}: {detail.GetString()}");

            default:
                return new ElevenLabsException(status, null, $"{prefix}: {Shorten(body)}");
        }
    }

    private static string? StringProperty(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string Shorten(string body) =>
        string.IsNullOrWhiteSpace(body) ? "(empty body)" : body.Length <= 500 ? body : body[..500] + "…";
}
