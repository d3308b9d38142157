using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AgentOS.Voice.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AgentOS.Voice.EndToEnd.Tests.Outcomes;

/// <summary>
/// An agent owner's own systems on a loopback port: the appointment tools <c>find_slot</c> and <c>book_slot</c> and an
/// outcome webhook receiver. Every request's Standard Webhooks signature is checked here, written from the
/// specification (HMAC-SHA256 over <c>id.timestamp.body</c> with the key after <c>whsec_</c>), not with the app's own
/// code, so a signing mistake cannot verify itself. Unsigned or wrongly signed requests get 401 and are kept apart.
/// </summary>
public sealed class AgentSystemsServer : IAsyncDisposable
{
    public const string Slot = "Friday 10:00";

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<SignedRequest> _requests = new();
    private readonly ConcurrentQueue<string> _refused = new();

    private AgentSystemsServer(WebApplication app, int port)
    {
        _app = app;
        BaseUrl = $"http://127.0.0.1:{port}";
    }

    public string BaseUrl { get; }

    /// <summary>Agent id → its whsec_ secret, as the owner reads it through the management API.</summary>
    public ConcurrentDictionary<string, string> Secrets { get; } = new(StringComparer.Ordinal);

    /// <summary>Every verified request, in arrival order.</summary>
    public IReadOnlyCollection<SignedRequest> Requests => _requests;

    /// <summary>Why each refused request was refused.</summary>
    public IReadOnlyCollection<string> Refused => _refused;

    public static async Task<AgentSystemsServer> StartAsync()
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var server = new AgentSystemsServer(app, port);
        app.MapPost("/{agentId}/tools/find_slot", (string agentId, HttpRequest request) => server.Signed(agentId, "find_slot", request, () =>
            Results.Json(new { slot = Slot, say = "Your next free slot is Friday at ten. Shall I book it?" })));
        app.MapPost("/{agentId}/tools/book_slot", (string agentId, HttpRequest request) => server.Signed(agentId, "book_slot", request, () =>
            Results.Json(new { confirmed = true, newTime = Slot, say = "Done. You are booked for Friday at ten." })));
        app.MapPost("/{agentId}/outcomes", (string agentId, HttpRequest request) => server.Signed(agentId, "outcome", request, Results.NoContent));
        await app.StartAsync();
        return server;
    }

    /// <summary>The outcomes delivered for <paramref name="id"/> (a call or message id), waiting up to <paramref name="timeout"/> for the first.</summary>
    public async Task<IReadOnlyList<SignedRequest>> WaitForOutcomeAsync(string id, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var found = _requests.Where(r => r.Endpoint == "outcome" && r.Json.GetProperty("id").GetString() == id).ToList();
            if (found.Count > 0)
            {
                return found;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException(
                    $"No outcome for {id} reached the webhook in {timeout.TotalSeconds} s; received: {string.Join(", ", _requests.Select(r => r.Endpoint + " " + r.WebhookId))}; refused: {string.Join("; ", _refused)}");
            }

            await Task.Delay(100);
        }
    }

    private async Task<IResult> Signed(string agentId, string endpoint, HttpRequest request, Func<IResult> answer)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        var id = request.Headers["webhook-id"].ToString();
        var timestamp = request.Headers["webhook-timestamp"].ToString();
        var signatures = request.Headers["webhook-signature"].ToString();
        if (!Secrets.TryGetValue(agentId, out var secret))
        {
            return Refuse($"{endpoint} for unknown agent {agentId}");
        }

        if (!long.TryParse(timestamp, out var seconds) || Math.Abs(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - seconds) > 300)
        {
            return Refuse($"{endpoint} {id}: timestamp '{timestamp}' missing or more than 5 minutes from now");
        }

        var key = Convert.FromBase64String(secret["whsec_".Length..]);
        var expected = HMACSHA256.HashData(key, (byte[])[.. Encoding.UTF8.GetBytes($"{id}.{timestamp}."), .. body]);
        // The header may carry several space-separated signatures (key rotation): one v1 match is enough.
        var valid = signatures.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Where(s => s.StartsWith("v1,", StringComparison.Ordinal))
            .Any(s => CryptographicOperations.FixedTimeEquals(TryBase64(s[3..]), expected));
        if (!valid || id.Length == 0)
        {
            return Refuse($"{endpoint} {id}: signature '{signatures}' does not verify");
        }

        using var doc = JsonDocument.Parse(body);
        _requests.Enqueue(new SignedRequest(endpoint, id, request.Headers["Idempotency-Key"].ToString(), doc.RootElement.Clone()));
        return answer();
    }

    private IResult Refuse(string why)
    {
        _refused.Enqueue(why);
        return Results.StatusCode(StatusCodes.Status401Unauthorized);
    }

    private static byte[] TryBase64(string text)
    {
        try
        {
            return Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            return [];
        }
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

/// <summary>A request whose signature verified: which endpoint, its webhook-id and Idempotency-Key, and its JSON body.</summary>
public sealed record SignedRequest(string Endpoint, string WebhookId, string IdempotencyKey, JsonElement Json);
