using AgentOS.Voice.Calls;
using AgentOS.Voice.Functions.ManagementApi;
using Microsoft.Azure.Functions.Worker;

namespace AgentOS.Voice.Functions.Calls;

/// <summary>
/// Management API for live calls (management key), HTTP over <see cref="LiveCallService"/>: POST
/// /api/agents/{agentId}/calls places an outbound call; GET …/calls lists the agent's calls newest first;
/// GET …/calls/{callId} returns the record and transcript.
/// </summary>
public sealed class LiveCallsApiFunctions(ManagementApiKey key, JsonRequestBody bodies, LiveCallService calls)
{
    [Function("LiveCallsCollection")]
    public async Task<IResult> StartAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/agents/{agentId}/calls")] HttpRequest request, string agentId,
        CancellationToken cancellationToken)
    {
        if (key.Refuse(request) is { } refused)
        {
            return refused;
        }

        var (json, refusedBody) = await bodies.ReadAsync(request, cancellationToken);
        if (refusedBody is not null)
        {
            return refusedBody;
        }

        var (body, errors) = await calls.ReadRequestAsync(json!, cancellationToken);
        if (body is null)
        {
            return Results.ValidationProblem(errors);
        }

        return await calls.StartAsync(agentId, body, cancellationToken) switch
        {
            OutboundCallStart.NoSuchAgent => AgentNotFound(agentId),
            OutboundCallStart.AgentDisabled => Results.Problem(
                statusCode: StatusCodes.Status409Conflict, title: "The agent is disabled.", detail: $"Agent '{agentId}' is disabled and cannot place calls."),
            OutboundCallStart.TwilioFailed failed => Results.Problem(
                statusCode: failed.RefusedByTwilio ? StatusCodes.Status422UnprocessableEntity : StatusCodes.Status502BadGateway,
                title: failed.RefusedByTwilio ? "Twilio refused the call." : "Twilio could not be reached.",
                detail: failed.Error.TwilioMessage,
                extensions: new Dictionary<string, object?> { ["callId"] = failed.CallId, ["twilioCode"] = failed.Error.Code, ["moreInfo"] = failed.Error.MoreInfo }),
            OutboundCallStart.OutcomeUnknown unknown => Results.Problem(
                statusCode: StatusCodes.Status504GatewayTimeout, title: "No answer from Twilio; the call may or may not have been placed.",
                detail: unknown.Detail, extensions: new Dictionary<string, object?> { ["callId"] = unknown.CallId }),
            OutboundCallStart.Placed placed => Accepted(agentId, placed),
            var other => throw new InvalidOperationException($"Unhandled outcome {other}."),
        };
    }

    [Function("LiveCallsList")]
    public async Task<IResult> ListAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/agents/{agentId}/calls")] HttpRequest request, string agentId,
        CancellationToken cancellationToken)
    {
        if (key.Refuse(request) is { } refused)
        {
            return refused;
        }

        var (query, state, errors) = ListQueryReader.Read(request.Query, string.Join(", ", Enum.GetNames<CallState>()),
            text => Enum.GetValues<CallState>().Cast<CallState?>().FirstOrDefault(s => string.Equals(s.ToString(), text, StringComparison.OrdinalIgnoreCase)));
        if (query is null)
        {
            return Results.ValidationProblem(errors);
        }

        return await calls.ListAsync(agentId, query, state, cancellationToken) is { } page
            ? Results.Ok(new CallList(page.Items.Select(LiveCallSummary.Of).ToList(), page.ContinuationToken))
            : AgentNotFound(agentId);
    }

    [Function("LiveCallsItem")]
    public async Task<IResult> GetAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/agents/{agentId}/calls/{callId}")] HttpRequest request, string agentId,
        string callId, CancellationToken cancellationToken)
    {
        if (key.Refuse(request) is { } refused)
        {
            return refused;
        }

        return await calls.GetAsync(agentId, callId, cancellationToken) is { } found
            ? Results.Ok(LiveCallView.Of(found.Call, found.Transcript))
            : Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such call.", detail: $"Agent '{agentId}' has no call '{callId}'.");
    }

    private static IResult Accepted(string agentId, OutboundCallStart.Placed placed)
    {
        var statusUrl = $"/api/agents/{Uri.EscapeDataString(agentId)}/calls/{placed.CallId}";
        return Results.Accepted(statusUrl, new StartedCall(placed.CallId, placed.CallSid, statusUrl));
    }

    private static IResult AgentNotFound(string agentId) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such agent.", detail: $"There is no agent with id '{agentId}'.");
}
