using AgentOS.Voice.Agents;
using AgentOS.Voice.Functions.ManagementApi;

namespace AgentOS.Voice.Functions.Agents;

/// <summary>Management API for agent records: /api/agents (functions AgentsCollection and AgentsItem).</summary>
public static class AgentsApi
{
    public static IEndpointRouteBuilder MapAgentsApi(this IEndpointRouteBuilder endpoints)
    {
        var agents = endpoints.MapManagementGroup("agents").WithTags("Agents");
        agents.MapPost("", CreateAsync);
        agents.MapGet("", ListAsync);
        agents.MapGet("/{agentId}", GetAsync);
        agents.MapPut("/{agentId}", UpdateAsync);
        agents.MapDelete("/{agentId}", DeleteAsync);
        return endpoints;
    }

    private static async Task<IResult> CreateAsync(HttpRequest request, IAgentStore store, CancellationToken cancellationToken)
    {
        var (agent, readErrors) = await AgentRequestJson.ReadAsync(request, cancellationToken);
        if (agent is null)
        {
            return Results.ValidationProblem(readErrors!);
        }

        var errors = AgentValidator.Validate(agent);
        if (errors.Count > 0)
        {
            return Results.ValidationProblem(errors.ToDictionary());
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

    private static async Task<IResult> ListAsync(IAgentStore store, CancellationToken cancellationToken) =>
        Results.Ok(await store.ListAsync(cancellationToken));

    private static async Task<IResult> GetAsync(string agentId, IAgentStore store, CancellationToken cancellationToken) =>
        await store.GetAsync(agentId, cancellationToken) is { } agent ? Results.Ok(agent) : NotFound(agentId);

    private static async Task<IResult> UpdateAsync(string agentId, HttpRequest request, IAgentStore store, CancellationToken cancellationToken)
    {
        var (agent, readErrors) = await AgentRequestJson.ReadAsync(request, cancellationToken);
        if (agent is null)
        {
            return Results.ValidationProblem(readErrors!);
        }

        var errors = AgentValidator.Validate(agent with { Id = agentId }).ToDictionary();
        if (!string.IsNullOrEmpty(agent.Id) && agent.Id != agentId)
        {
            errors["id"] = ["The body's id must match the URL's (ids cannot be changed), or be left out."];
        }

        if (errors.Count > 0)
        {
            return Results.ValidationProblem(errors);
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

    private static async Task<IResult> DeleteAsync(string agentId, IAgentStore store, CancellationToken cancellationToken) =>
        await store.DeleteAsync(agentId, cancellationToken) ? Results.NoContent() : NotFound(agentId);

    private static IResult NotFound(string agentId) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such agent.", detail: $"There is no agent with id '{agentId}'.");
}
