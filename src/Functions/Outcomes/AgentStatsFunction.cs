using System.Globalization;
using AgentOS.Voice.Agents;
using AgentOS.Voice.Functions.ManagementApi;
using AgentOS.Voice.Outcomes;
using Microsoft.Azure.Functions.Worker;

namespace AgentOS.Voice.Functions.Outcomes;

/// <summary>
/// GET /api/agents/{agentId}/stats?from=&amp;to= (management key): the agent's figures over outcomes that ended in
/// [from, to). Both are ISO 8601 instants with an offset; <c>to</c> defaults to now and <c>from</c> to 30 days before
/// <c>to</c>. A range longer than <see cref="MaxRange"/> is refused: the query reads every row in it.
/// </summary>
public sealed class AgentStatsFunction(ManagementApiKey key, IAgentStore agents, AgentStatsQuery query, TimeProvider time)
{
    public static readonly TimeSpan DefaultRange = TimeSpan.FromDays(30);
    public static readonly TimeSpan MaxRange = TimeSpan.FromDays(366);

    [Function("AgentStats")]
    public async Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/agents/{agentId}/stats")] HttpRequest request, string agentId,
        CancellationToken cancellationToken)
    {
        if (key.Refuse(request) is { } refused)
        {
            return refused;
        }

        var errors = new Dictionary<string, string[]>();
        var to = Instant(request, "to", errors) ?? time.GetUtcNow();
        var from = Instant(request, "from", errors) ?? to - DefaultRange;
        if (errors.Count == 0 && from >= to)
        {
            errors["from"] = ["'from' must be before 'to'."];
        }
        else if (errors.Count == 0 && to - from > MaxRange)
        {
            errors["from"] = [$"The range may span at most {MaxRange.TotalDays:0} days."];
        }

        if (errors.Count > 0)
        {
            return Results.ValidationProblem(errors);
        }

        if (await agents.GetAsync(agentId, cancellationToken) is null)
        {
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such agent.", detail: $"There is no agent with id '{agentId}'.");
        }

        return Results.Ok(await query.RunAsync(agentId, from, to, cancellationToken));
    }

    private static DateTimeOffset? Instant(HttpRequest request, string name, Dictionary<string, string[]> errors)
    {
        var text = request.Query[name].ToString();
        if (text.Length == 0)
        {
            return null;
        }

        // An instant without an offset (Kind Unspecified) would silently be read in the server's zone.
        if (DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var parsed) &&
            parsed.Kind != DateTimeKind.Unspecified &&
            DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var value))
        {
            return value.ToUniversalTime();
        }

        errors[name] = [$"'{name}' must be an ISO 8601 instant with an offset, e.g. 2026-12-01T00:00:00Z."];
        return null;
    }
}
