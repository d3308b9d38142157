using AgentOS.Voice.TestSupport;
using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using AgentOS.Voice.Agents;
using AgentOS.Voice.Llm;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentOS.Voice.Core.Tests.Llm;

/// <summary>What the fake provider received.</summary>
/// <remarks><paramref name="Protocol"/> is the HTTP version it came over ("HTTP/2"); <paramref name="ConnectionId"/> tells connections apart.</remarks>
internal sealed record RecordedRequest(string Method, string Path, string Query, IReadOnlyDictionary<string, string> Headers, string Body, string Protocol, string ConnectionId)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}

/// <summary>
/// A stand-in for an LLM provider on Kestrel at 127.0.0.1: records each request, then lets the test answer it
/// (typically with server-sent events in the provider's documented shape).
/// </summary>
internal sealed class FakeLlmServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeLlmServer(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    /// <summary>The base address without a trailing slash, as users write it in configuration.</summary>
    public string BaseUrl => BaseAddress.ToString().TrimEnd('/');

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    public static async Task<FakeLlmServer> StartAsync(Func<HttpContext, RecordedRequest, Task> respond, Action<ListenOptions>? listen = null)
    {
        FakeLlmServer? server = null;
        var app = await LoopbackApp.StartAsync(a => a.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync(context.RequestAborted);
            var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            var request = new RecordedRequest(
                context.Request.Method, context.Request.Path.Value ?? "", context.Request.QueryString.Value ?? "", headers, body,
                context.Request.Protocol, context.Connection.Id);
            server!.Requests.Enqueue(request);
            await respond(context, request);
        }), listen);
        return server = new FakeLlmServer(app, new Uri(app.BaseUrl() + "/"));
    }

    /// <summary>Starts a text/event-stream response.</summary>
    public static async Task BeginEventStreamAsync(HttpContext context)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    /// <summary>Writes one server-sent event and flushes it, so the client can see it before the next.</summary>
    public static async Task SendEventAsync(HttpContext context, string data, string? eventName = null)
    {
        var text = eventName is null ? $"data: {data}\n\n" : $"event: {eventName}\ndata: {data}\n\n";
        await context.Response.WriteAsync(text, context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    public static Task SendJsonErrorAsync(HttpContext context, int status, string json)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(json, context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>Builds the LLM services the way a host does, from in-memory configuration.</summary>
internal static class LlmTestServices
{
    /// <param name="settings">Configuration, e.g. Llm:OpenAI:BaseUrl.</param>
    /// <param name="trustTestCertificate">Trust <see cref="TestCertificate"/> on the LLM HttpClient, for a fake on TLS.</param>
    /// <param name="azureCredential">Stands in for the managed identity Azure OpenAI uses without a key.</param>
    public static ServiceProvider Build(IDictionary<string, string?> settings, bool trustTestCertificate = false, Azure.Core.TokenCredential? azureCredential = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddLogging();
        if (azureCredential is not null)
        {
            services.AddKeyedSingleton(LlmClientProvider.AzureCredentialKey, azureCredential);
        }

        services.AddLlm(configuration, new Microsoft.Extensions.Hosting.Internal.HostingEnvironment { EnvironmentName = Microsoft.Extensions.Hosting.Environments.Development });
        if (trustTestCertificate)
        {
            // Configures the product's own SocketsHttpHandler, so its pooling and drain settings stay as they are.
            services.AddHttpClient(LlmClientProvider.HttpClientName).ConfigurePrimaryHttpMessageHandler((handler, _) =>
                ((SocketsHttpHandler)handler).SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) => TestCertificate.IsLoopback(certificate));
        }

        return services.BuildServiceProvider();
    }

    public static Agent Agent(string provider, string model, IReadOnlyList<ScriptStep>? script = null) => new()
    {
        Id = "agent-1",
        Name = "Front desk",
        PhoneNumber = "+14155550100",
        Llm = new LlmSettings { Provider = provider, Model = model, MaxOutputTokens = 256 },
        Script = script ?? [],
    };

    public static List<Microsoft.Extensions.AI.ChatMessage> Conversation(string callerSays) =>
    [
        new(Microsoft.Extensions.AI.ChatRole.System, "You are a helpful voice assistant."),
        new(Microsoft.Extensions.AI.ChatRole.User, callerSays),
    ];
}
