using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AgentOS.Voice.EndToEnd.Tests.Messages;

/// <summary>
/// ElevenLabs' text-to-speech route on 127.0.0.1 refusing every request the way ElevenLabs does for a bad key:
/// HTTP 401 with <c>{"detail":{"status":"invalid_api_key","message":…}}</c>.
/// </summary>
public sealed class FailingElevenLabs : IAsyncDisposable
{
    public const string ErrorMessage = "Invalid API key";

    private readonly WebApplication _app;

    private FailingElevenLabs(WebApplication app) => _app = app;

    public ConcurrentQueue<string> Requests { get; } = new();

    public string BaseUrl => _app.Urls.Single();

    public static async Task<FailingElevenLabs> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FailingElevenLabs(app);
        app.MapPost("/v1/text-to-speech/{voiceId}", (HttpContext context, string voiceId) =>
        {
            fake.Requests.Enqueue(voiceId);
            return Results.Json(new { detail = new { status = "invalid_api_key", message = ErrorMessage } }, statusCode: StatusCodes.Status401Unauthorized);
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
