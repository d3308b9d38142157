using System.Text.Json;
using AgentOS.Voice.Agents;
using AgentOS.Voice.Functions.ManagementApi;
using AgentOS.Voice.Messages;
using AgentOS.Voice.Outcomes;
using Microsoft.Azure.Functions.Worker;

namespace AgentOS.Voice.Functions.Messages;

/// <summary>
/// Management API for voice messages: POST and GET (the list, newest first) /api/agents/{agentId}/messages, GET and
/// DELETE /api/agents/{agentId}/messages/{messageId} (management key).
/// </summary>
public sealed class MessageFunctions(
    ManagementApiKey key,
    JsonRequestBody bodies,
    IAgentStore agents,
    IVoiceMessageStore store,
    VoiceMessageIntake intake,
    OutcomeRequests outcomes,
    TimeProvider time)
{
    private const string Collection = "api/agents/{agentId}/messages";
    private const string Item = "api/agents/{agentId}/messages/{messageId}";

    private static readonly JsonSerializerOptions RequestJson = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
        AllowDuplicateProperties = false,
    };

    [Function("MessagesCollection")]
    public async Task<IResult> SendAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Collection)] HttpRequest request, string agentId, CancellationToken cancellationToken)
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

        SendVoiceMessageRequest? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync<SendVoiceMessageRequest>(json!, RequestJson, cancellationToken);
        }
        catch (JsonException e)
        {
            var field = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "$" : e.Path.TrimStart('$', '.');
            return Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [e.Message] });
        }

        if (body is null)
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["$"] = ["The body must be a JSON object."] });
        }

        return await intake.SubmitAsync(agentId, body, cancellationToken) switch
        {
            MessageSubmission.NoSuchAgent => AgentNotFound(agentId),
            MessageSubmission.Invalid invalid => Results.ValidationProblem(invalid.Errors),
            // The same key means the same request retried; another request under it would otherwise be silently
            // answered with the first one's message (and never sent).
            MessageSubmission.KeyReused reused => Results.Problem(
                statusCode: StatusCodes.Status409Conflict,
                title: "This idempotency key was already used for a different message.",
                detail: $"Message {reused.Kept.Id} was accepted under it with a different {string.Join(", ", reused.Differences)}. Use a new key for a new message."),
            MessageSubmission.NotQueued notQueued => Results.Problem(
                statusCode: StatusCodes.Status503ServiceUnavailable, title: "The message could not be queued.", detail: notQueued.Detail),
            MessageSubmission.Accepted accepted => Results.Accepted(StatusUrl(accepted.Message), View(accepted.Message)),
            var other => throw new InvalidOperationException($"Unhandled outcome {other}."),
        };
    }

    [Function("MessagesList")]
    public async Task<IResult> ListAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Collection)] HttpRequest request, string agentId, CancellationToken cancellationToken)
    {
        if (key.Refuse(request) is { } refused)
        {
            return refused;
        }

        var states = Enum.GetValues<MessageState>().Cast<MessageState?>().ToList();
        var (query, state, errors) = ListQueryReader.Read(request.Query, string.Join(", ", states.Select(s => s!.Value.Name())),
            text => states.FirstOrDefault(s => s!.Value.Name() == text));
        if (query is null)
        {
            return Results.ValidationProblem(errors);
        }

        if (await agents.GetAsync(agentId, cancellationToken) is null)
        {
            return AgentNotFound(agentId);
        }

        var page = await store.ListAsync(agentId, query, state, cancellationToken);
        return Results.Ok(new { Items = page.Items.Select(View).ToList(), page.ContinuationToken });
    }

    [Function("MessagesGet")]
    public async Task<IResult> GetAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Item)] HttpRequest request, string agentId, string messageId,
        CancellationToken cancellationToken)
    {
        if (key.Refuse(request) is { } refused)
        {
            return refused;
        }

        if (await agents.GetAsync(agentId, cancellationToken) is null)
        {
            return AgentNotFound(agentId);
        }

        return await store.GetAsync(agentId, messageId, cancellationToken) is { } message
            ? Results.Ok(View(message))
            : MessageNotFound(agentId, messageId);
    }

    [Function("MessagesCancel")]
    public async Task<IResult> CancelAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = Item)] HttpRequest request, string agentId, string messageId,
        CancellationToken cancellationToken)
    {
        if (key.Refuse(request) is { } refused)
        {
            return refused;
        }

        if (await agents.GetAsync(agentId, cancellationToken) is null)
        {
            return AgentNotFound(agentId);
        }

        // Conditional like every write: a worker claiming the message at this moment either wins (409 here) or sees the cancel.
        var result = await store.UpdateAsync(agentId, messageId, m => m.State.IsBeforeCall()
            ? m.Transition(MessageState.Canceled, time.GetUtcNow(), "canceled through the API")
            : null, cancellationToken);
        if (result is { State: MessageState.Canceled })
        {
            // No call was placed, so no Twilio callback will end it: the outcome is asked for here (again on a repeat).
            await outcomes.MessageEndedAsync(agentId, messageId, cancellationToken);
        }

        return result switch
        {
            null => MessageNotFound(agentId, messageId),
            { State: MessageState.Canceled } => Results.Ok(View(result)),
            _ => Results.Problem(
                statusCode: StatusCodes.Status409Conflict,
                title: "The message can no longer be canceled.",
                detail: $"Message {messageId} is {result.State.Name()}: only queued or rendering messages can be canceled.",
                extensions: new Dictionary<string, object?> { ["state"] = result.State.Name() }),
        };
    }

    private static string StatusUrl(VoiceMessage message) =>
        $"/api/agents/{Uri.EscapeDataString(message.AgentId)}/messages/{Uri.EscapeDataString(message.Id)}";

    private static IResult AgentNotFound(string agentId) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such agent.", detail: $"There is no agent with id '{agentId}'.");

    private static IResult MessageNotFound(string agentId, string messageId) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such message.", detail: $"Agent '{agentId}' has no message '{messageId}'.");

    /// <summary>The record as the API shows it: the stored fields plus where to poll it.</summary>
    private static object View(VoiceMessage message) => new
    {
        message.Id,
        message.AgentId,
        message.State,
        StatusUrl = StatusUrl(message),
        message.To,
        message.Text,
        message.Voice,
        message.SendAt,
        message.RecordRequested,
        message.IdempotencyKey,
        message.Attempts,
        message.CallSid,
        message.AnsweredBy,
        message.CallDurationSeconds,
        message.RecordingUrl,
        message.RecordingSid,
        message.RecordingDurationSeconds,
        message.Error,
        message.History,
        message.CreatedAt,
        message.UpdatedAt,
    };
}
