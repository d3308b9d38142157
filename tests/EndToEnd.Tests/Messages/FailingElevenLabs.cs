using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AgentOS.Voice.EndToEnd.Tests.Messages;

/// <summary>
/// ElevenLabs' text-to-speech route on 127.0.0.1 failing the way ElevenLabs does: a bad key is HTTP 401 with
/// <c>{"detail":{"status":"invalid_api_key","message":…}}</c>, an outage a 5xx with a detail message. After
/// <c>failures</c> requests (all of them when null) it answers with audio: half a second of mu-law 8 kHz silence, what
/// <c>output_format=ulaw_8000</c> returns. With <c>hang</c>, a failing request is never answered instead (a provider
/// that accepted the connection and went quiet).
/// </summary>
public sealed class FailingElevenLabs : IAsyncDisposable
{
    public const string ErrorMessage = "Invalid API key";
    public const string OutageMessage = "Service temporarily unavailable";

    private readonly WebApplication _app;

    private FailingElevenLabs(WebApplication app) => _app = app;

    public ConcurrentQueue<string> Requests { get; } = new();

    public string BaseUrl => _app.Urls.Single();

    public static async Task<FailingElevenLabs> StartAsync(int status = StatusCodes.Status401Unauthorized, int? failures = null, bool hang = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FailingElevenLabs(app);
        app.MapPost("/v1/text-to-speech/{voiceId}", async (HttpContext context, string voiceId) =>
        {
            fake.Requests.Enqueue(voiceId);
            if (failures is { } n && fake.Requests.Count > n)
            {
                return Results.Bytes(Enumerable.Repeat((byte)0xFF, 4000).ToArray(), "audio/basic");
            }

            if (hang)
            {
                // Until the client gives up and drops the connection.
                await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                return Results.Empty;
            }

            return status == StatusCodes.Status401Unauthorized
                ? Results.Json(new { detail = new { status = "invalid_api_key", message = ErrorMessage } }, statusCode: status)
                : Results.Json(new { detail = new { status = "service_unavailable", message = OutageMessage } }, statusCode: status);
        });
        await app.StartAsync();
        return fake;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
