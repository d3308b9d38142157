using AgentOS.Voice.Agents;
using AgentOS.Voice.Functions.ManagementApi;
using AgentOS.Voice.Llm;
using AgentOS.Voice.Webhooks;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace AgentOS.Voice.Functions.Agents;

/// <summary>
/// Management API for agent records: /api/agents and /api/agents/{agentId} (management key). Tool and webhook URLs are
/// checked with the app's AgentEndpoints options, so a local run can save loopback ones; the model provider against
/// the ones this deployment has configured.
/// </summary>
public sealed class AgentFunctions(
    IAgentStore store, ManagementApiKey key, JsonRequestBody bodies, IOptions<AgentEndpointOptions> endpoints, ConfiguredLlmProviders llmProviders)
{
    private const string Collection = "api/agents";
    private const string Item = "api/agents/{agentId}";

    [Function("AgentsCreate")]
    public async Task<IResult> CreateAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Collection)] HttpRequest request, CancellationToken cancellationToken)
    {
        var (agent, refused) = await ReadValidAsync(request, agentId: null, cancellationToken);
        if (agent is null)
        {
            return refused!;
        }

        try
        {
            var created = await store.CreateAsync(agent, cancellationToken);
            return Results.Created($"/api/agents/{created.Id}", created);
        }
        catch (AgentConflictException e)
        {
            return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "The agent id is taken.", detail: e.Message);
        }
    }

    [Function("AgentsList")]
    public async Task<IResult> ListAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Collection)] HttpRequest request, CancellationToken cancellationToken) =>
        key.Refuse(request) ?? Results.Ok(await store.ListAsync(cancellationToken));

    [Function("AgentsGet")]
    public async Task<IResult> GetAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Item)] HttpRequest request, string agentId, CancellationToken cancellationToken) =>
        key.Refuse(request)
        ?? (await store.GetAsync(agentId, cancellationToken) is { } agent ? Results.Ok(agent) : NotFound(agentId));

    [Function("AgentsUpdate")]
    public async Task<IResult> UpdateAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = Item)] HttpRequest request, string agentId, CancellationToken cancellationToken)
    {
        var (agent, refused) = await ReadValidAsync(request, agentId, cancellationToken);
        if (agent is null)
        {
            return refused!;
        }

        try
        {
            return await store.UpdateAsync(agent with { Id = agentId }, cancellationToken) is { } updated
                ? Results.Ok(updated)
                : NotFound(agentId);
        }
        catch (AgentConcurrencyException e)
        {
            return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "The agent changed meanwhile.", detail: e.Message);
        }
    }

    [Function("AgentsDelete")]
    public async Task<IResult> DeleteAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = Item)] HttpRequest request, string agentId, CancellationToken cancellationToken) =>
        key.Refuse(request)
        ?? (await store.DeleteAsync(agentId, cancellationToken) ? Results.NoContent() : NotFound(agentId));

    /// <summary>
    /// The request's agent, checked: the key, the body, its fields and, for an update (<paramref name="agentId"/> from
    /// the URL), that the body names no other id; otherwise the answer that refuses it.
    /// </summary>
    private async Task<(Agent? Agent, IResult? Refused)> ReadValidAsync(HttpRequest request, string? agentId, CancellationToken cancellationToken)
    {
        if (key.Refuse(request) is { } refused)
        {
            return (null, refused);
        }

        var (json, refusedBody) = await bodies.ReadAgentAsync(request, cancellationToken);
        if (refusedBody is not null)
        {
            return (null, refusedBody);
        }

        var (agent, readErrors) = await AgentRequestJson.ReadAsync(json!, cancellationToken);
        if (agent is null)
        {
            return (null, Results.ValidationProblem(readErrors!));
        }

        var errors = AgentValidator.Validate(agentId is null ? agent : agent with { Id = agentId }, endpoints.Value, llmProviders.Names).ToDictionary();
        if (agentId is not null && !string.IsNullOrEmpty(agent.Id) && agent.Id != agentId)
        {
            errors["id"] = ["The body's id must match the URL's (ids cannot be changed), or be left out."];
        }

        return errors.Count > 0 ? (null, Results.ValidationProblem(errors)) : (agent, null);
    }

    private static IResult NotFound(string agentId) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such agent.", detail: $"There is no agent with id '{agentId}'.");
}
