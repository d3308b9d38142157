using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace AgentOS.Voice.FunctionsRunner;

/// <summary>
/// The host's <c>POST /admin/functions/{name}</c> with <c>{"input": ""}</c>: runs a timer function now, for tests and
/// the local run. Guarded, as on the host, by the master key in <c>x-functions-key</c> (here the setting
/// <see cref="MasterKeySetting"/>; without it the endpoint is not served). Answers 202 and runs the function in the
/// background, as the host does.
/// </summary>
internal static class AdminEndpoint
{
    public const string MasterKeySetting = "FunctionsRunner:MasterKey";
    public const string KeyHeader = "x-functions-key";

    public static void MapAdminFunctions(this WebApplication app)
    {
        if (app.Configuration[MasterKeySetting] is not { Length: > 0 } masterKey)
        {
            return;
        }

        var key = Encoding.UTF8.GetBytes(masterKey);
        app.MapPost("admin/functions/{name}", async (string name, HttpContext http, IEnumerable<IHostedService> services, IHostApplicationLifetime lifetime) =>
        {
            if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(http.Request.Headers[KeyHeader].ToString()), key))
            {
                return Results.Unauthorized();
            }

            if (services.OfType<TimerTriggerListener>().FirstOrDefault(l => string.Equals(l.FunctionName, name, StringComparison.OrdinalIgnoreCase)) is not { } timer)
            {
                return Results.NotFound();
            }

            if (!await HasInputAsync(http.Request))
            {
                return Results.BadRequest(new { error = "The body must be a JSON object with an \"input\" string, e.g. {\"input\":\"\"}." });
            }

            _ = Task.Run(() => timer.InvokeAsync(lifetime.ApplicationStopping));
            return Results.Accepted();
        }).WithName("admin-functions");
    }

    private static async Task<bool> HasInputAsync(HttpRequest request)
    {
        try
        {
            using var body = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
            return body.RootElement.ValueKind == JsonValueKind.Object
                && body.RootElement.TryGetProperty("input", out var input) && input.ValueKind == JsonValueKind.String;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
