using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using AgentOS.Voice.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace AgentOS.Voice.EndToEnd.Tests.Live;

/// <summary>
/// An OpenAI-compatible chat completions endpoint on loopback, following OpenAI's documented streaming wire format
/// (server-sent chat.completion.chunk events, then [DONE]). It answers every request with <see cref="Reply"/>, word by
/// word, except that a caller message containing <see cref="FailWhenCallerSays"/> gets HTTP 500 with OpenAI's error
/// JSON. Every request's messages are kept so tests can see what the model was told.
/// </summary>
public sealed class FakeOpenAiServer : IAsyncDisposable
{
    public const string FailWhenCallerSays = "provider-failure";

    private readonly WebApplication _app;

    private FakeOpenAiServer(WebApplication app, string baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    /// <summary>The value for Llm:OpenAI:BaseUrl.</summary>
    public string BaseUrl { get; }

    public string Reply { get; set; } = "Fine, thanks for asking.";

    /// <summary>The (role, content) messages of every request, in arrival order.</summary>
    public ConcurrentQueue<IReadOnlyList<(string Role, string Content)>> Requests { get; } = new();

    public static async Task<FakeOpenAiServer> StartAsync()
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var server = new FakeOpenAiServer(app, $"http://127.0.0.1:{port}/v1");
        app.MapPost("/v1/chat/completions", server.CompleteAsync);
        await app.StartAsync();
        return server;
    }

    private async Task CompleteAsync(HttpContext context)
    {
        using var body = await JsonDocument.ParseAsync(context.Request.Body);
        var messages = body.RootElement.GetProperty("messages").EnumerateArray()
            .Select(m => (m.GetProperty("role").GetString() ?? "", Text(m.GetProperty("content"))))
            .ToList();
        Requests.Enqueue(messages);

        if (messages.LastOrDefault(m => m.Item1 == "user").Item2?.Contains(FailWhenCallerSays, StringComparison.OrdinalIgnoreCase) == true)
        {
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            await context.Response.WriteAsJsonAsync(new { error = new { message = "The server had an error while processing your request.", type = "server_error", code = (string?)null } });
            return;
        }

        context.Response.ContentType = "text/event-stream";
        var words = Reply.Split(' ');
        for (var i = 0; i < words.Length; i++)
        {
            await WriteChunkAsync(context, new { role = "assistant", content = (i == 0 ? "" : " ") + words[i] }, finishReason: null);
        }

        await WriteChunkAsync(context, new { }, "stop");
        await context.Response.WriteAsync("data: [DONE]\n\n");
    }

    private static async Task WriteChunkAsync(HttpContext context, object delta, string? finishReason)
    {
        var chunk = new
        {
            id = "chatcmpl-fake",
            @object = "chat.completion.chunk",
            created = 1_700_000_000,
            model = "fake-model",
            choices = new[] { new { index = 0, delta, finish_reason = finishReason } },
        };
        await context.Response.WriteAsync("data: " + JsonSerializer.Serialize(chunk) + "\n\n");
        await context.Response.Body.FlushAsync();
    }

    // Content is a string, or an array of parts with text.
    private static string Text(JsonElement content) => content.ValueKind switch
    {
        JsonValueKind.String => content.GetString() ?? "",
        JsonValueKind.Array => string.Concat(content.EnumerateArray().Select(p => p.TryGetProperty("text", out var t) ? t.GetString() : "")),
        _ => "",
    };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
