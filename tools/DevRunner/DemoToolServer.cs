using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentOS.Voice.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AgentOS.Voice.DevRunner;

/// <summary>
/// The demo agent's own systems, as an owner would run them: two appointment tools (<c>find_slot</c>, <c>book_slot</c>)
/// and the outcome webhook receiver, on 127.0.0.1 (a local run allows loopback agent URLs). Every request's Standard
/// Webhooks signature is checked with the agent's secret, read through the management API once the agent is seeded.
/// </summary>
internal sealed class DemoToolServer(int port) : IAsyncDisposable
{
    public const string Slot = "Friday 10:00";

    private readonly ConcurrentDictionary<string, JsonNode> _outcomes = new(StringComparer.Ordinal);
    private WebApplication? _app;

    public string BaseUrl => $"http://127.0.0.1:{port}";

    /// <summary>The agent's whsec_ secret; requests are refused (401) until it is known.</summary>
    public string? Secret { get; set; }

    /// <summary>Verified outcomes received, by webhook-id (a redelivery replaces nothing).</summary>
    public IReadOnlyCollection<JsonNode> Outcomes => _outcomes.Values.ToList();

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        _app = builder.Build();
        _app.MapPost("/tools/find_slot", (HttpRequest request) => Signed(request, _ =>
            Results.Json(new { slot = Slot, say = "Your next free slot is Friday at ten. Shall I book it?" })));
        _app.MapPost("/tools/book_slot", (HttpRequest request) => Signed(request, _ =>
            Results.Json(new { confirmed = true, newTime = Slot, say = "Done. You are booked for Friday at ten. Anything else?" })));
        _app.MapPost("/outcomes", (HttpRequest request) => Signed(request, body =>
        {
            if (body is not null && _outcomes.TryAdd(request.Headers[StandardWebhook.IdHeader].ToString(), body))
            {
                LocalStack.Step($"Outcome webhook: {body["type"]} {body["id"]} ({body["status"]})");
            }

            return Results.NoContent();
        }));
        await _app.StartAsync(cancellationToken);
    }

    private async Task<IResult> Signed(HttpRequest request, Func<JsonNode?, IResult> handle)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        if (Secret is null || !StandardWebhook.Verify(Secret, request.Headers[StandardWebhook.IdHeader].ToString(),
                request.Headers[StandardWebhook.TimestampHeader].ToString(), request.Headers[StandardWebhook.SignatureHeader].ToString(),
                body, DateTimeOffset.UtcNow))
        {
            return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "The webhook signature does not verify.");
        }

        try
        {
            return handle(JsonNode.Parse(body));
        }
        catch (JsonException)
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The body is not JSON.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
