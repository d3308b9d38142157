using System.Collections.Concurrent;
using AgentOS.Voice.Twilio;
using AgentOS.Voice.Twilio.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentOS.Voice.Core.Tests.Twilio;

/// <summary>
/// A real Kestrel app on 127.0.0.1 with Twilio-signed endpoints, as the Functions app and RelayHost wire them:
/// a signed group (any path, GET and POST), one individually signed route, and a WebSocket route checked with
/// IsValidUpgrade. Handlers count their runs so tests can prove a rejected request never reached them.
/// </summary>
internal sealed class SignedWebhookApp : IAsyncDisposable
{
    private readonly WebApplication _app;

    private SignedWebhookApp(WebApplication app, ConcurrentQueue<string> warnings)
    {
        _app = app;
        Warnings = warnings;
    }

    public int HandlerRuns => _handlerRuns;

    /// <summary>Warnings logged by the app (the validator's rejections).</summary>
    public ConcurrentQueue<string> Warnings { get; }

    public Uri BaseAddress => new(_app.Urls.Single());

    private int _handlerRuns;

    public static async Task<SignedWebhookApp> StartAsync(string authToken, string? functionsBaseUrl = null, string? relayBaseUrl = null)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var warnings = new ConcurrentQueue<string>();
        builder.Logging.ClearProviders().AddProvider(new CollectingLoggerProvider(warnings));
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Twilio:AccountSid"] = FakeTwilioApi.AccountSid,
            ["Twilio:AuthToken"] = authToken,
            ["PublicUrls:FunctionsBaseUrl"] = functionsBaseUrl,
            ["PublicUrls:RelayBaseUrl"] = relayBaseUrl,
        });
        builder.Services.AddTwilioSignatureChecks(builder.Configuration);
        var app = builder.Build();
        var self = new SignedWebhookApp(app, warnings);

        app.UseWebSockets();
        app.Map("/agents/{agent}/ws", async (HttpContext context, TwilioRequestValidator validator) =>
        {
            if (!validator.IsValidUpgrade(context, relayBaseUrl))
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                return;
            }

            Interlocked.Increment(ref self._handlerRuns);
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            await socket.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, "bye", context.RequestAborted);
        });

        app.MapPost("/single/voice", async (HttpRequest request) =>
        {
            Interlocked.Increment(ref self._handlerRuns);
            return Results.Json(await TwilioVoiceRequest.FromFormAsync(request));
        }).RequireTwilioSignature();

        var signed = app.MapGroup("/").RequireTwilioSignature();
        signed.MapPost("/{**path}", async (HttpRequest request) =>
        {
            Interlocked.Increment(ref self._handlerRuns);
            if (request.HasJsonContentType())
            {
                // The filter read the body to hash it; the handler must still see all of it.
                using var reader = new StreamReader(request.Body);
                return Results.Text(await reader.ReadToEndAsync(), "application/json");
            }

            return Results.Json(await TwilioVoiceRequest.FromFormAsync(request));
        });
        signed.MapGet("/{**path}", () =>
        {
            Interlocked.Increment(ref self._handlerRuns);
            return Results.Text("ok");
        });

        await app.StartAsync();
        return self;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private sealed class CollectingLoggerProvider(ConcurrentQueue<string> warnings) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(warnings);

        public void Dispose()
        {
        }

        private sealed class Logger(ConcurrentQueue<string> warnings) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel))
                {
                    warnings.Enqueue(formatter(state, exception));
                }
            }
        }
    }
}
