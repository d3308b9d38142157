using System.Text.Json;
using AgentOS.Voice.Agents;
using AgentOS.Voice.Calls;
using AgentOS.Voice.Functions.ManagementApi;
using AgentOS.Voice.Twilio;
using AgentOS.Voice.Twilio.Rest;
using AgentOS.Voice.Twilio.Twiml;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;
using Twilio.Rest.Api.V2010.Account;
using Twilio.Types;
using TwilioHttpMethod = Twilio.Http.HttpMethod;

namespace AgentOS.Voice.Functions.Calls;

/// <summary>
/// Management API for live calls (management key): POST /api/agents/{agentId}/calls places an outbound call whose context is stored
/// server-side under a new call id (only that id travels to Twilio); GET …/calls lists the agent's calls newest first;
/// GET …/calls/{callId} returns the record and transcript.
/// </summary>
public sealed partial class LiveCallsApiFunctions(
    ManagementApiKey key,
    JsonRequestBody bodies,
    IAgentStore agents,
    ICallContextStore contexts,
    ICallStore store,
    ICallHistory history,
    LiveCallRecords records,
    TwilioClient twilio,
    LiveCallTwiml twiml,
    IOptions<LiveCallOptions> options,
    TimeProvider time,
    ILogger<LiveCallRecords> logger)
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

        var (body, errors) = await ReadAsync(json!, options.Value, cancellationToken);
        if (body is null)
        {
            return Results.ValidationProblem(errors);
        }

        var agent = await agents.GetAsync(agentId, cancellationToken);
        if (agent is null)
        {
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such agent.", detail: $"There is no agent with id '{agentId}'.");
        }

        if (!agent.Enabled)
        {
            return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "The agent is disabled.", detail: $"Agent '{agentId}' is disabled and cannot place calls.");
        }

        var callId = Guid.NewGuid().ToString("n");
        await contexts.SaveAsync(new CallContext
        {
            CallId = callId,
            AgentId = agent.Id,
            To = body.To,
            From = agent.PhoneNumber,
            Context = body.Context,
            CreatedAt = time.GetUtcNow(),
        }, cancellationToken);
        var call = new CallRecord { CallId = callId, AgentId = agent.Id, Direction = "outbound", From = agent.PhoneNumber, To = body.To };
        await records.StartAsync(call, cancellationToken);

        CallResource created;
        try
        {
            created = await twilio.CreateCallAsync(new CreateCallOptions(new PhoneNumber(body.To), new PhoneNumber(agent.PhoneNumber))
            {
                Url = new Uri(twiml.OutboundCallUrl(agent.Id, callId)),
                Method = TwilioHttpMethod.Post,
                StatusCallback = new Uri(twiml.StatusCallbackUrl(agent.Id, callId)),
                // ringing and answered feed the live events (call.ringing, call.answered); completed ends the record.
                StatusCallbackEvent = ["ringing", "answered", "completed"],
                StatusCallbackMethod = TwilioHttpMethod.Post,
            }, cancellationToken);
        }
        catch (TwilioApiException e)
        {
            LogCreateFailed(logger, callId, e.Code, e.TwilioMessage);
            await records.FailAsync(callId, $"Twilio refused the call: {e.Message}", cancellationToken);
            var twilioRefused = e.HttpStatus is >= 400 and < 500 && e.HttpStatus != StatusCodes.Status429TooManyRequests;
            return Results.Problem(
                statusCode: twilioRefused ? StatusCodes.Status422UnprocessableEntity : StatusCodes.Status502BadGateway,
                title: twilioRefused ? "Twilio refused the call." : "Twilio could not be reached.",
                detail: e.TwilioMessage,
                extensions: new Dictionary<string, object?> { ["callId"] = callId, ["twilioCode"] = e.Code, ["moreInfo"] = e.MoreInfo });
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutException or Polly.Timeout.TimeoutRejectedException or TaskCanceledException
                                   && !cancellationToken.IsCancellationRequested)
        {
            // The outcome is unknown (Twilio may have placed the call), so the record stays open for the status callback.
            LogCreateUnknown(logger, e, callId);
            return Results.Problem(
                statusCode: StatusCodes.Status504GatewayTimeout, title: "No answer from Twilio; the call may or may not have been placed.",
                detail: e.Message, extensions: new Dictionary<string, object?> { ["callId"] = callId });
        }

        await records.AttachCallSidAsync(callId, created.Sid, cancellationToken);
        var statusUrl = $"/api/agents/{Uri.EscapeDataString(agent.Id)}/calls/{callId}";
        return Results.Accepted(statusUrl, new StartedCall(callId, created.Sid, statusUrl));
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

        if (await agents.GetAsync(agentId, cancellationToken) is null)
        {
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such agent.", detail: $"There is no agent with id '{agentId}'.");
        }

        var page = await history.ListCallsAsync(agentId, query, state, cancellationToken);
        return Results.Ok(new CallList(page.Items.Select(LiveCallSummary.Of).ToList(), page.ContinuationToken));
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

        var call = await store.GetCallAsync(callId, cancellationToken);
        if (call is null || call.AgentId != agentId)
        {
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such call.", detail: $"Agent '{agentId}' has no call '{callId}'.");
        }

        var transcript = await store.GetTranscriptAsync(callId, cancellationToken);
        return Results.Ok(LiveCallView.Of(call, transcript));
    }

    private static async Task<(StartCallBody? Body, Dictionary<string, string[]> Errors)> ReadAsync(
        Stream json, LiveCallOptions options, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(json, new JsonDocumentOptions { AllowDuplicateProperties = false }, cancellationToken);
        }
        catch (JsonException e)
        {
            errors["$"] = [$"The body must be JSON: {e.Message}"];
            return (null, errors);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                errors["$"] = ["The body must be a JSON object {\"to\": \"+1…\", \"context\": {…}}."];
                return (null, errors);
            }

            foreach (var property in root.EnumerateObject().Where(p => p.Name is not ("to" or "context")))
            {
                errors[property.Name] = ["Unknown member; the body has only \"to\" and \"context\"."];
            }

            var to = root.TryGetProperty("to", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : null;
            if (!PhoneNumbers.IsE164(to))
            {
                errors["to"] = ["to is required: the number to call in E.164 form, e.g. +14155550100."];
            }

            var context = new Dictionary<string, string>(StringComparer.Ordinal);
            if (root.TryGetProperty("context", out var c) && c.ValueKind != JsonValueKind.Null)
            {
                if (c.ValueKind != JsonValueKind.Object)
                {
                    errors["context"] = ["context must be an object of string values, e.g. {\"name\": \"Ada\"}."];
                }
                else
                {
                    ReadContext(c, options, context, errors);
                }
            }

            return errors.Count > 0 ? (null, errors) : (new StartCallBody(to!, context), errors);
        }
    }

    private static void ReadContext(JsonElement json, LiveCallOptions options, Dictionary<string, string> context, Dictionary<string, string[]> errors)
    {
        foreach (var entry in json.EnumerateObject())
        {
            var key = "context." + entry.Name;
            if (string.IsNullOrWhiteSpace(entry.Name) || entry.Name.Length > 100 || entry.Name.IndexOfAny(['{', '}']) >= 0)
            {
                errors[key] = ["Context names are 1–100 characters without braces."];
            }
            else if (entry.Value.ValueKind != JsonValueKind.String)
            {
                errors[key] = ["Context values must be strings."];
            }
            else if (entry.Value.GetString()!.Length > options.MaxContextValueLength)
            {
                errors[key] = [$"Context values are at most {options.MaxContextValueLength} characters."];
            }
            else if ((XmlText.Problem(entry.Name) ?? XmlText.Problem(entry.Value.GetString())) is { } problem)
            {
                // Context fills the greeting in the call's TwiML.
                errors[key] = [problem];
            }
            else
            {
                context[entry.Name] = entry.Value.GetString()!;
            }
        }

        if (context.Count > options.MaxContextEntries)
        {
            errors["context"] = [$"context has at most {options.MaxContextEntries} entries."];
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbound call {CallId}: Twilio refused it ({Code}: {Message})")]
    private static partial void LogCreateFailed(ILogger logger, string callId, int? code, string message);

    [LoggerMessage(Level = LogLevel.Error, Message = "Outbound call {CallId}: no answer from Twilio; outcome unknown")]
    private static partial void LogCreateUnknown(ILogger logger, Exception e, string callId);

    private sealed record StartCallBody(string To, IReadOnlyDictionary<string, string> Context);
}

/// <summary>The answer to POST /api/agents/{agentId}/calls.</summary>
public sealed record StartedCall(string CallId, string CallSid, string StatusUrl);

/// <summary>A call record with its transcript, as GET /api/agents/{agentId}/calls/{callId} returns it.</summary>
public sealed record LiveCallView(
    string CallId, string AgentId, string CallSid, string Direction, string From, string To, CallState State,
    DateTimeOffset StartedAt, DateTimeOffset? EndedAt, double DurationSeconds, string? EndReason, string? HandoffData, string? LastError,
    long TokensIn, long TokensOut, long CharactersSpoken, IReadOnlyList<LiveCallTurn> Transcript)
{
    public static LiveCallView Of(CallRecord c, IReadOnlyList<TranscriptTurn> turns) => new(
        c.CallId, c.AgentId, c.CallSid, c.Direction, c.From, c.To, c.State, c.StartedAt, c.EndedAt, c.Duration.TotalSeconds,
        c.EndReason, c.HandoffData, c.LastError, c.TokensIn, c.TokensOut, c.CharactersSpoken,
        turns.Select(t => new LiveCallTurn(t.Index, t.Role, t.Text, t.Interrupted, t.At, t.ToolName, t.FirstTokenMs)).ToList());
}

/// <summary>A call in a list: the record without its transcript (GET the call for that).</summary>
public sealed record LiveCallSummary(
    string CallId, string AgentId, string CallSid, string Direction, string From, string To, CallState State,
    DateTimeOffset StartedAt, DateTimeOffset? EndedAt, double DurationSeconds, string? EndReason, string? LastError)
{
    public static LiveCallSummary Of(CallRecord c) => new(
        c.CallId, c.AgentId, c.CallSid, c.Direction, c.From, c.To, c.State, c.StartedAt, c.EndedAt, c.Duration.TotalSeconds, c.EndReason, c.LastError);
}

/// <summary>The answer to GET /api/agents/{agentId}/calls: newest first; null token on the last page.</summary>
public sealed record CallList(IReadOnlyList<LiveCallSummary> Items, string? ContinuationToken);

/// <summary>A transcript turn; <c>FirstTokenMs</c> on agent turns is from the caller's words arriving to the first token leaving.</summary>
public sealed record LiveCallTurn(int Index, TurnRole Role, string Text, bool Interrupted, DateTimeOffset At, string? ToolName, double? FirstTokenMs);
