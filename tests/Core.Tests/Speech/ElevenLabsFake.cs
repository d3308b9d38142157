using AgentOS.Voice.TestSupport;
using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentOS.Voice.Speech;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AgentOS.Voice.Core.Tests.Speech;

/// <summary>
/// ElevenLabs' text-to-speech routes on Kestrel (127.0.0.1), following the documented wire format: xi-api-key auth,
/// output_format query, JSON body, raw audio bytes back, and its error bodies. Tests can queue scripted answers.
/// </summary>
public sealed class ElevenLabsFake : IAsyncDisposable
{
    public const string ApiKey = "test-xi-key";
    public const string KnownVoice = "UgBBYS2sOqTuMpoF3BR0";

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<(int Status, string Body)> _scripted = new();

    public sealed record Received(string Path, string Query, string? ApiKeyHeader, JsonNode? Body);

    private ElevenLabsFake(WebApplication app) => _app = app;

    public ConcurrentQueue<Received> Requests { get; } = new();

    /// <summary>Audio the fake returns: a second of a 440 Hz tone in mu-law.</summary>
    public static byte[] Audio { get; } = MuLaw.Encode(Signals.Tone(440, 8000, 8000));

    /// <summary>Completing this lets /stream send the rest of its audio.</summary>
    public TaskCompletionSource ReleaseStream { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string BaseUrl => _app.Urls.Single();

    public static async Task<ElevenLabsFake> StartAsync()
    {
        ElevenLabsFake? fake = null;
        var app = await LoopbackApp.StartAsync(a =>
        {
            a.MapPost("/v1/text-to-speech/{voiceId}", (HttpContext context, string voiceId) => fake!.HandleAsync(context, voiceId, stream: false));
            a.MapPost("/v1/text-to-speech/{voiceId}/stream", (HttpContext context, string voiceId) => fake!.HandleAsync(context, voiceId, stream: true));
        });
        return fake = new ElevenLabsFake(app);
    }

    /// <summary>The next requests get these answers, in order, before normal behaviour resumes.</summary>
    public void Enqueue(int status, string body) => _scripted.Enqueue((status, body));

    public static string Detail(string status, string message) =>
        JsonSerializer.Serialize(new { detail = new { status, message } });

    private async Task HandleAsync(HttpContext context, string voiceId, bool stream)
    {
        var body = await JsonNode.ParseAsync(context.Request.Body);
        Requests.Enqueue(new Received(context.Request.Path, context.Request.QueryString.Value ?? string.Empty,
            context.Request.Headers["xi-api-key"].SingleOrDefault(), body));

        if (_scripted.TryDequeue(out var scripted))
        {
            await Error(context, scripted.Status, scripted.Body);
            return;
        }

        if (context.Request.Headers["xi-api-key"] != ApiKey)
        {
            await Error(context, 401, Detail("invalid_api_key", "Invalid API key"));
            return;
        }

        if (body?["text"] is null)
        {
            await Error(context, 422, """{"detail":[{"loc":["body","text"],"msg":"field required","type":"value_error.missing"}]}""");
            return;
        }

        if (voiceId != KnownVoice)
        {
            await Error(context, 400, Detail("voice_not_found", $"A voice with the voice_id {voiceId} was not found."));
            return;
        }

        context.Response.ContentType = "audio/basic";
        if (!stream)
        {
            await context.Response.Body.WriteAsync(Audio);
            return;
        }

        // First half, flushed; the rest only once the test has seen the first chunk, proving chunks arrive as sent.
        var half = Audio.Length / 2;
        await context.Response.Body.WriteAsync(Audio.AsMemory(0, half));
        await context.Response.Body.FlushAsync();
        await ReleaseStream.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await context.Response.Body.WriteAsync(Audio.AsMemory(half));
    }

    private static Task Error(HttpContext context, int status, string body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(body);
    }

    public async ValueTask DisposeAsync()
    {
        ReleaseStream.TrySetResult();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
