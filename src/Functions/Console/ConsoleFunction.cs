using System.Collections.Frozen;
using System.Reflection;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace AgentOS.Voice.Functions.Console;

/// <summary>
/// GET /console/…: the operations console, plain HTML, CSS and JavaScript modules embedded in this assembly (no Node
/// build, nothing to copy beside the app). The files hold no data and no secret, so they are served without a key;
/// every API call the page makes carries the management key the operator types in. A strict Content-Security-Policy
/// keeps the page to its own scripts; connect-src also allows WebSockets, the Web PubSub host being another origin.
/// </summary>
public sealed class ConsoleFunction(IOptions<ConsoleOptions> options)
{
    private const string ResourcePrefix = "console/";

    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>
    {
        [".html"] = "text/html; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".svg"] = "image/svg+xml",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly Assembly Assembly = typeof(ConsoleFunction).Assembly;

    private static readonly FrozenSet<string> Files = Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal))
        .Select(n => n[ResourcePrefix.Length..])
        .ToFrozenSet(StringComparer.Ordinal);

    [Function("Console")]
    public IResult Serve([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "console/{*path}")] HttpRequest request, string? path)
    {
        // Relative URLs in the page resolve against /console/, not /.
        if (string.IsNullOrEmpty(path) && !request.Path.Value!.EndsWith('/'))
        {
            return Results.Redirect(request.PathBase + request.Path + "/");
        }

        var file = string.IsNullOrEmpty(path) ? "index.html" : path;
        if (file == "config.json")
        {
            // What the page cannot know by itself: whether this run has a softphone (a local run does).
            return Results.Json(new { softphoneUrl = NullIfEmpty(options.Value.SoftphoneUrl) });
        }

        if (!Files.Contains(file) || !ContentTypes.TryGetValue(Path.GetExtension(file), out var contentType))
        {
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such console file.", detail: $"The console has no file '{file}'.");
        }

        var headers = request.HttpContext.Response.Headers;
        headers.ContentSecurityPolicy =
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self' blob:; " +
            "connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";

        // Revalidated each time so a deploy is seen at once; the files are small.
        headers.CacheControl = "no-cache";
        return Results.Stream(Assembly.GetManifestResourceStream(ResourcePrefix + file)!, contentType);
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
