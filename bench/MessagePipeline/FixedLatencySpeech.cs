using System.Threading;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AgentOS.Voice.Bench.MessagePipeline;

/// <summary>
/// ElevenLabs' non-streaming text-to-speech route on 127.0.0.1 that answers after a fixed delay with mu-law audio
/// (ulaw_8000, as the product asks for), so the benchmark measures our pipeline rather than a provider.
/// </summary>
public sealed class FixedLatencySpeech : IAsyncDisposable
{
    // Two seconds of mu-law silence: the size of a short reminder.
    private static readonly byte[] Audio = Enumerable.Repeat((byte)0xFF, 16_000).ToArray();

    private readonly WebApplication _app;
    private int _requests;

    private FixedLatencySpeech(WebApplication app) => _app = app;

    public string BaseUrl => _app.Urls.Single();

    public int Requests => Volatile.Read(ref _requests);

    public static async Task<FixedLatencySpeech> StartAsync(TimeSpan latency)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FixedLatencySpeech(app);
        app.MapPost("/v1/text-to-speech/{voiceId}", async (CancellationToken cancellationToken) =>
        {
            Interlocked.Increment(ref fake._requests);
            await Task.Delay(latency, cancellationToken);
            return Results.Bytes(Audio, "audio/basic");
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
