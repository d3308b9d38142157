using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace AgentOS.Voice.Llm;

public sealed class OpenAIChatClientOptions
{
    /// <summary>The API's base address, e.g. https://api.openai.com/v1; requests go to its <c>chat/completions</c>.</summary>
    public required Uri BaseUrl { get; init; }

    public required string ApiKey { get; init; }

    public string? Organization { get; init; }

    /// <summary>The model asked for when a request's <see cref="ChatOptions.ModelId"/> names none.</summary>
    public required string Model { get; init; }

    /// <summary>Longest wait for the response headers, and then for each streamed event.</summary>
    public TimeSpan NetworkTimeout { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// A provider refused a model request or broke off its answer. <see cref="Status"/> is the HTTP status when the refusal
/// came as one (null for an error sent inside the stream); <see cref="ErrorType"/> and <see cref="ErrorCode"/> are the
/// provider's own, from its error body.
/// </summary>
public sealed class LlmProviderException(int? status, string? errorType, string? errorCode, string message) : Exception(message)
{
    public int? Status { get; } = status;
    public string? ErrorType { get; } = errorType;
    public string? ErrorCode { get; } = errorCode;
}

/// <summary>
/// OpenAI's chat completions (and any server that speaks them: vLLM, Ollama, LM Studio), streamed, written against the
/// documented wire format rather than through the OpenAI SDK: a live turn's first token waits on this path, and the SDK
/// built each request through its own pipeline and spent ~2.3 KB and ~1.7 µs on every streamed token (bench/Micro),
/// where this reads a token into its string and the three small objects an update needs. Nothing is retried, as before:
/// a caller is on the line and the session speaks its own fallback. Tool calls are returned, never invoked.
/// </summary>
public sealed class OpenAIChatClient : IChatClient
{
    private readonly HttpClient _http;
    private readonly OpenAIChatClientOptions _options;
    private readonly Uri _endpoint;
    private readonly ChatClientMetadata _metadata;

    public OpenAIChatClient(HttpClient http, OpenAIChatClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        _http = http;
        _options = options;
        var baseUrl = options.BaseUrl.AbsoluteUri;
        _endpoint = new Uri(baseUrl.EndsWith('/') ? baseUrl + "chat/completions" : baseUrl + "/chat/completions");
        _metadata = new ChatClientMetadata("openai", options.BaseUrl, options.Model);
    }

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken);

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint)
        {
            Content = new ByteArrayContent(OpenAIChatRequest.Write(_options.Model, messages, options)),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _options.ApiKey);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (_options.Organization is { Length: > 0 } organization)
        {
            request.Headers.Add("OpenAI-Organization", organization);
        }

        // One deadline, moved on by every event that arrives: a provider that goes quiet fails the turn, a long answer does not.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.NetworkTimeout);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw Silent();
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                throw await RefusalAsync(response, deadline.Token).ConfigureAwait(false);
            }

            var body = await response.Content.ReadAsStreamAsync(deadline.Token).ConfigureAwait(false);
            var stream = new OpenAIChatStream(_options.Model);
            await using var events = SseParser.Create(body, (_, data) => stream.Read(data)).EnumerateAsync(deadline.Token).GetAsyncEnumerator(deadline.Token);
            // Read on past [DONE] to the body's end, which follows at once: a response left unread would cost an
            // HTTP/1.1 connection (responses are never drained, MaxResponseDrainSize = 0).
            while (true)
            {
                bool more;
                try
                {
                    more = await events.MoveNextAsync().ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw Silent();
                }

                if (!more)
                {
                    break;
                }

                deadline.CancelAfter(_options.NetworkTimeout);
                if (events.Current.Data is { } update)
                {
                    yield return update;
                }
            }

            if (!stream.Done && !stream.Finished)
            {
                throw new LlmProviderException(null, null, null, "The model provider's stream ended before the answer did (no finish reason, no [DONE]).");
            }

            if (stream.Flush() is { } rest)
            {
                yield return rest;
            }
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(ChatClientMetadata) ? _metadata
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    public void Dispose()
    {
        // The HttpClient belongs to IHttpClientFactory.
    }

    private TimeoutException Silent() =>
        new($"The model provider sent nothing for {_options.NetworkTimeout.TotalSeconds:0.#} s (Llm:RequestTimeout).");

    private static async Task<LlmProviderException> RefusalAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var reader = new Utf8JsonReader(body);
            if (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
            {
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var isError = reader.ValueTextEquals("error"u8);
                    reader.Read();
                    if (isError)
                    {
                        return OpenAIChatStream.ReadError(ref reader, status);
                    }

                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            // Not OpenAI's error shape (a proxy's HTML page, say): the status and reason below still say what happened.
        }

        return new LlmProviderException(status, null, null, $"The model provider answered {status} {response.ReasonPhrase}.");
    }
}
