using AgentOS.Voice.Storage;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace AgentOS.Voice.Functions.Hosting;

/// <summary>
/// What an HTTP function answers when storage is out and the function did not handle it itself (the management API;
/// Twilio's webhooks answer TwiML from memory instead): 503 with Retry-After and a problem that says so, never a bare
/// 500. Applied around every HTTP function by <see cref="StorageOutageMiddleware"/> under the Functions host, and
/// by the local Functions runner.
/// </summary>
public static class StorageOutageAnswer
{
    public const int RetryAfterSeconds = 30;

    /// <summary>True when <paramref name="e"/> is a storage outage and the answer can still be written.</summary>
    public static bool Applies(HttpContext http, Exception e) => StorageOutage.IsOutage(e, http.RequestAborted) && !http.Response.HasStarted;

    public static async Task WriteAsync(HttpContext http)
    {
        http.Response.Clear();
        http.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await Results.Problem(
            statusCode: StatusCodes.Status503ServiceUnavailable,
            title: "Storage is unavailable.",
            detail: $"The request could not reach storage; nothing was changed unless a later read shows it. Try again in {RetryAfterSeconds} s.")
            .ExecuteAsync(http);
    }
}

/// <summary>The worker's middleware that applies <see cref="StorageOutageAnswer"/> (registered in Program).</summary>
public sealed class StorageOutageMiddleware : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        try
        {
            await next(context);
        }
        catch (Exception e) when (context.GetHttpContext() is { } http && StorageOutageAnswer.Applies(http, e))
        {
            await StorageOutageAnswer.WriteAsync(http);
        }
    }
}
