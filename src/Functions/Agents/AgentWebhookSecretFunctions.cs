using AgentOS.Voice.Agents;
using AgentOS.Voice.Functions.ManagementApi;
using AgentOS.Voice.Webhooks;
using Microsoft.Azure.Functions.Worker;

namespace AgentOS.Voice.Functions.Agents;

/// <summary>
/// The agent's webhook signing secret, apart from the agent JSON (which never carries it): GET reads it so the owner's
/// tool server and outcome receiver can verify signatures; POST rotates it (a new random secret, answered once).
/// Management key. Processes that cache agents sign with the old secret until their cache entry expires.
/// </summary>
public sealed class AgentWebhookSecretFunctions(IAgentStore store, ManagementApiKey key)
{
    private const string Route = "api/agents/{agentId}/webhook-secret";

    [Function("AgentWebhookSecretGet")]
    public async Task<IResult> GetAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Route)] HttpRequest request, string agentId, CancellationToken cancellationToken)
    {
        if (key.Refuse(request) is { } refused)
        {
            return refused;
        }

        return await store.GetAsync(agentId, cancellationToken) is { WebhookSecret: { } secret }
            ? Results.Ok(new { agentId, secret })
            : NotFound(agentId);
    }

    [Function("AgentWebhookSecretRotate")]
    public async Task<IResult> RotateAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Route)] HttpRequest request, string agentId, CancellationToken cancellationToken)
    {
        if (key.Refuse(request) is { } refused)
        {
            return refused;
        }

        if (await store.GetAsync(agentId, cancellationToken) is not { } agent)
        {
            return NotFound(agentId);
        }

        var secret = StandardWebhook.NewSecret();
        try
        {
            return await store.UpdateAsync(agent with { WebhookSecret = secret }, cancellationToken) is null
                ? NotFound(agentId)
                : Results.Ok(new { agentId, secret });
        }
        catch (AgentConcurrencyException)
        {
            return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "The agent changed meanwhile.", detail: "Rotate again.");
        }
    }

    private static IResult NotFound(string agentId) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such agent.", detail: $"There is no agent with id '{agentId}'.");
}
