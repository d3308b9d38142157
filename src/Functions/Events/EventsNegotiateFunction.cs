using AgentOS.Voice.Agents;
using AgentOS.Voice.Calls;
using AgentOS.Voice.Events;
using AgentOS.Voice.Functions.ManagementApi;
using Microsoft.Azure.Functions.Worker;

namespace AgentOS.Voice.Functions.Events;

/// <summary>
/// GET /api/events/negotiate?agentId=…[&amp;callId=…] (management key): a Web PubSub client URL whose token may join
/// only that agent's group, or with callId only that call's group (docs/events.md). The console and other subscribers
/// never hold the access key; the token lets them listen to one agent or call for at most <see cref="TokenLifetime"/>.
/// </summary>
public sealed class EventsNegotiateFunction(ManagementApiKey key, IAgentStore agents, ICallStore calls, VoiceEventPublisher events)
{
    /// <summary>Web PubSub checks a client token only when the socket opens, so an hour bounds reconnects, not a session.</summary>
    public static readonly TimeSpan TokenLifetime = TimeSpan.FromHours(1);

    [Function("EventsNegotiate")]
    public async Task<IResult> NegotiateAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/events/negotiate")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        if (key.Refuse(request) is { } refused)
        {
            return refused;
        }

        var agentId = request.Query["agentId"].ToString();
        var callId = request.Query["callId"].ToString();
        if (string.IsNullOrWhiteSpace(agentId))
        {
            return Results.ValidationProblem(new Dictionary<string, string[]>
            {
                ["agentId"] = ["agentId is required: the agent whose events to receive."],
            });
        }

        if (await agents.GetAsync(agentId, cancellationToken) is null)
        {
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such agent.", detail: $"There is no agent with id '{agentId}'.");
        }

        string group;
        if (string.IsNullOrEmpty(callId))
        {
            group = EventGroups.Agent(agentId);
        }
        else if (await calls.GetCallAsync(callId, cancellationToken) is { } call && call.AgentId == agentId)
        {
            group = EventGroups.Call(callId);
        }
        else
        {
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such call.", detail: $"Agent '{agentId}' has no call '{callId}'.");
        }

        if (events.Client is not { } client)
        {
            return Results.Problem(
                statusCode: StatusCodes.Status503ServiceUnavailable, title: "Live events are off.",
                detail: "This app has no Web PubSub configured (Events:WebPubSubEndpoint or Events:WebPubSubConnectionString).");
        }

        Uri url;
        try
        {
            url = await client.GetClientAccessUriAsync([JoinLeaveRole(group)], TokenLifetime, userId: null, cancellationToken);
        }
        catch (WebPubSubRequestException e)
        {
            // Only with Entra ID, where the service makes the token.
            return Results.Problem(statusCode: StatusCodes.Status502BadGateway, title: "Web PubSub gave no client token.", detail: e.Message);
        }

        // The URL carries a bearer token: no cache may keep it.
        request.HttpContext.Response.Headers.CacheControl = "no-store";
        return Results.Ok(new NegotiateResponse(url.ToString(), group));
    }

    /// <summary>The one role a negotiated token has: join and leave <paramref name="group"/> (no sending, no other group).</summary>
    public static string JoinLeaveRole(string group) => "webpubsub.joinLeaveGroup." + group;
}

/// <summary>The answer to negotiate: the client URL (token in the query) and the group its token may join.</summary>
public sealed record NegotiateResponse(string Url, string Group);
