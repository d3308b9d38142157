using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.Features;

namespace AgentOS.Voice.WebPubSubStandIn;

/// <summary>A message the stand-in accepted over REST, as the service saw it (tests read these).</summary>
public sealed record RestSend(string Hub, string Target, string ContentType, string Body);

/// <summary>
/// The data-plane send routes (protocols.md §5.1): to the hub, a group, a user, a connection. Each checks the access-key
/// JWT against the URL it was called on, turns the body into a <c>message</c> frame and answers 202 Accepted.
/// </summary>
internal static partial class RestApi
{
    // Versions the service documents; an unknown one is refused as the service refuses it.
    private static readonly HashSet<string> ApiVersions = ["2021-10-01", "2022-11-01", "2023-07-01", "2024-01-01", "2024-12-01"];

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9_`,.\[\]]{0,127}\z")]
    private static partial Regex HubName();

    public static void MapRestApi(this WebApplication app, WebPubSubStandIn standIn)
    {
        var hubs = app.MapGroup("/api/hubs/{hub}");
        hubs.MapPost("/:send", (string hub, HttpRequest request) =>
            SendAsync(standIn, request, hub, "hub", h => h.All));
        hubs.MapPost("/groups/{group}/:send", (string hub, string group, HttpRequest request) =>
            string.IsNullOrWhiteSpace(group) || group.Length > 1024
                ? Task.FromResult(Error(400, "A group name is 1 to 1024 characters, not only whitespace."))
                : SendAsync(standIn, request, hub, "group:" + group, h => h.InGroup(group)));
        hubs.MapPost("/users/{user}/:send", (string hub, string user, HttpRequest request) =>
            SendAsync(standIn, request, hub, "user:" + user, h => h.OfUser(user)));
        hubs.MapPost("/connections/{connectionId}/:send", (string hub, string connectionId, HttpRequest request) =>
            SendAsync(standIn, request, hub, "connection:" + connectionId, h => h.WithId(connectionId)));
    }

    private static async Task<IResult> SendAsync(
        WebPubSubStandIn standIn, HttpRequest request, string hub, string target, Func<Hub, IEnumerable<ClientConnection>> recipients)
    {
        if (!HubName().IsMatch(hub))
        {
            return Error(400, $"'{hub}' is not a hub name: a letter, then up to 127 letters, digits or _`,.[]");
        }

        if (request.Query["api-version"] is not [{ } version] || !ApiVersions.Contains(version))
        {
            return Error(400, $"api-version must be one of {string.Join(", ", ApiVersions)}.");
        }

        var (holder, error) = await standIn.Tokens.ValidateAsync(BearerToken(request), RequestUrls(request));
        if (holder is null)
        {
            return Error(401, error!);
        }

        if (request.Query["messageTtlSeconds"] is [{ } ttl] && (!int.TryParse(ttl, out var seconds) || seconds is < 0 or > 300))
        {
            return Error(400, "messageTtlSeconds must be 0 to 300.");
        }

        if (standIn.TakeInjectedFailure() is { } failure)
        {
            if (failure.RetryAfter is { } retryAfter)
            {
                request.HttpContext.Response.Headers.RetryAfter = ((int)retryAfter.TotalSeconds).ToString();
            }

            return Error(failure.StatusCode, "Injected failure.");
        }

        var contentType = request.ContentType?.Split(';')[0].Trim().ToLowerInvariant() ?? "";
        var dataType = contentType switch
        {
            "application/json" => "json",
            "text/plain" => "text",
            "application/octet-stream" => "binary",
            _ => null,
        };
        if (dataType is null)
        {
            return Error(415, "Content-Type must be application/json, text/plain or application/octet-stream.");
        }

        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body);
        var data = body.ToArray();
        byte[] frame;
        try
        {
            frame = Frames.Message(dataType, data);
        }
        catch (JsonException)
        {
            return Error(400, "The body is not valid JSON.");
        }

        var excluded = request.Query["excluded"].Where(e => e is not null).ToHashSet(StringComparer.Ordinal);
        foreach (var connection in recipients(standIn.HubNamed(hub)))
        {
            if (!excluded.Contains(connection.Id))
            {
                connection.Enqueue(frame);
            }
        }

        standIn.Record(new RestSend(hub, target, contentType, System.Text.Encoding.UTF8.GetString(data)));
        return Results.StatusCode(202);
    }

    private static string? BearerToken(HttpRequest request) =>
        request.Headers.Authorization.ToString() is { } header && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            ? header["Bearer ".Length..].Trim()
            : null;

    /// <summary>
    /// The URL exactly as the caller wrote it (raw target, not re-encoded), with and without its query and trailing
    /// slash: SDKs differ on whether <c>aud</c> includes the query (protocols.md §5.1), and the service takes both.
    /// </summary>
    private static string[] RequestUrls(HttpRequest request)
    {
        var raw = request.HttpContext.Features.Get<IHttpRequestFeature>()!.RawTarget;
        var full = $"{request.Scheme}://{request.Host}{raw}";
        var withoutQuery = full.Split('?')[0].TrimEnd('/');
        return [full, withoutQuery];
    }

    internal static IResult Error(int status, string message) =>
        Results.Json(new { code = status switch { 400 => "BadRequest", 401 => "Unauthorized", 415 => "UnsupportedMediaType", _ => "Error" }, message }, statusCode: status);
}
