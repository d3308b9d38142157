using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentOS.Voice.Agents;
using AgentOS.Voice.Webhooks;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace AgentOS.Voice.Conversation;

/// <summary>What one call of an agent's HTTP tool came to, as the model and the transcript see it.</summary>
/// <param name="Result">The text given to the model: the endpoint's JSON answer, or a JSON error with a sentence to say.</param>
/// <param name="Failed">Timeout, refused, non-2xx or an answer that is not JSON.</param>
public sealed record AgentToolResult(string Result, bool Failed, double ElapsedMs);

/// <summary>Calls an agent's own HTTP tools for a live call.</summary>
public interface IAgentToolClient
{
    /// <summary>Never throws for the endpoint's failures (they become a failed result); cancellation ends the wait.</summary>
    Task<AgentToolResult> CallAsync(Agent agent, AgentTool tool, string callId, FunctionCallContent call, CancellationToken cancellationToken);
}

/// <summary>
/// POSTs <c>{"callId","agentId","tool","toolCallId","arguments"}</c> to the tool's URL, signed with the agent's secret
/// per Standard Webhooks. The <c>webhook-id</c> and <c>Idempotency-Key</c> are the same value, derived from the call and
/// the tool call's normalized arguments: a model that repeats a call after an interruption sends the same key, so the
/// agent's system can tell a repeat from a second booking.
/// </summary>
public sealed class AgentToolClient(SignedPoster poster, TimeProvider time, IOptions<ConversationOptions> options) : IAgentToolClient
{
    public const string IdempotencyHeader = "Idempotency-Key";

    public async Task<AgentToolResult> CallAsync(Agent agent, AgentTool tool, string callId, FunctionCallContent call, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var key = IdempotencyKey(callId, call);
        var body = RequestBody(agent.Id, callId, call);
        var posted = agent.WebhookSecret is { } secret
            ? await poster.PostAsync(tool.Url, secret, key, body, TimeSpan.FromSeconds(tool.TimeoutSeconds),
                new Dictionary<string, string> { [IdempotencyHeader] = key }, cancellationToken)
            : new PostResult(null, null, "the agent has no webhook secret to sign with");
        var elapsed = time.GetElapsedTime(started).TotalMilliseconds;

        if (!posted.Succeeded)
        {
            return new AgentToolResult(Failure(posted.Error!), Failed: true, elapsed);
        }

        try
        {
            using var answer = JsonDocument.Parse(posted.Body ?? string.Empty);
            return new AgentToolResult(answer.RootElement.GetRawText(), Failed: false, elapsed);
        }
        catch (JsonException)
        {
            return new AgentToolResult(Failure($"HTTP {posted.Status}, but the answer is not JSON"), Failed: true, elapsed);
        }
    }

    /// <summary>"{callId}-{hash}": one per call and distinct tool call, stable across a repeat of the same call.</summary>
    public static string IdempotencyKey(string callId, FunctionCallContent call)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(ConversationTools.IdempotencyKey(call)));
        return $"tool_{callId}_{Convert.ToHexStringLower(hash.AsSpan(0, 12))}";
    }

    private static byte[] RequestBody(string agentId, string callId, FunctionCallContent call)
    {
        var arguments = new JsonObject();
        foreach (var (name, value) in call.Arguments ?? new Dictionary<string, object?>())
        {
            arguments[name] = value switch
            {
                null => null,
                JsonElement e => JsonNode.Parse(e.GetRawText()),
                JsonNode n => n.DeepClone(),
                string s => JsonValue.Create(s),
                bool b => JsonValue.Create(b),
                long l => JsonValue.Create(l),
                int i => JsonValue.Create(i),
                double d => JsonValue.Create(d),
                _ => JsonValue.Create(value.ToString()),
            };
        }

        var body = new JsonObject
        {
            ["callId"] = callId,
            ["agentId"] = agentId,
            ["tool"] = call.Name,
            ["toolCallId"] = call.CallId,
            ["arguments"] = arguments,
        };
        return Encoding.UTF8.GetBytes(body.ToJsonString());
    }

    /// <summary>
    /// A failure as the model gets it: what went wrong, and a sentence for the caller in <c>say</c> (the scripted model
    /// reads <c>say</c> aloud; a real model is told to use it), so a failed tool never ends in silence.
    /// </summary>
    private string Failure(string error) => new JsonObject
    {
        ["error"] = error,
        ["say"] = options.Value.ToolFailedText,
    }.ToJsonString();
}
