using AgentOS.Voice.Agents;
using AgentOS.Voice.Storage;
using AgentOS.Voice.Twilio.Rest;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Twilio.Rest.Api.V2010.Account;
using Twilio.Types;
using TwilioHttpMethod = Twilio.Http.HttpMethod;

namespace AgentOS.Voice.Calls;

/// <summary>
/// Live calls as the management API sees them: placing an outbound call (its context stored server-side under a new
/// call id, so only that id travels to Twilio), and an agent's call records.
/// </summary>
public sealed partial class LiveCallService(
    IAgentStore agents,
    ICallContextStore contexts,
    ICallStore store,
    ICallHistory history,
    LiveCallRecords records,
    TwilioClient twilio,
    LiveCallTwiml twiml,
    IOptions<LiveCallOptions> options,
    TimeProvider time,
    ILogger<LiveCallService> logger)
{
    /// <inheritdoc cref="OutboundCallRequest.ReadAsync"/>
    public Task<(OutboundCallRequest? Request, Dictionary<string, string[]> Errors)> ReadRequestAsync(Stream json, CancellationToken cancellationToken) =>
        OutboundCallRequest.ReadAsync(json, options.Value, cancellationToken);

    /// <summary>
    /// Asks Twilio to place the call. The record exists before Twilio is asked, so the status callback always finds
    /// it; when Twilio refuses, the record ends with the reason; when Twilio's answer is lost, it stays open for the
    /// status callback, since the call may exist.
    /// </summary>
    public async Task<OutboundCallStart> StartAsync(string agentId, OutboundCallRequest request, CancellationToken cancellationToken)
    {
        var agent = await agents.GetAsync(agentId, cancellationToken);
        if (agent is null)
        {
            return new OutboundCallStart.NoSuchAgent();
        }

        if (!agent.Enabled)
        {
            return new OutboundCallStart.AgentDisabled();
        }

        var callId = Guid.NewGuid().ToString("n");
        await contexts.SaveAsync(new CallContext
        {
            CallId = callId,
            AgentId = agent.Id,
            To = request.To,
            From = agent.PhoneNumber,
            Context = request.Context,
            CreatedAt = time.GetUtcNow(),
        }, cancellationToken);
        await records.StartAsync(new CallRecord { CallId = callId, AgentId = agent.Id, Direction = "outbound", From = agent.PhoneNumber, To = request.To }, cancellationToken);

        CallResource created;
        try
        {
            created = await twilio.CreateCallAsync(new CreateCallOptions(new PhoneNumber(request.To), new PhoneNumber(agent.PhoneNumber))
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
            LogCreateFailed(callId, e.Code, e.TwilioMessage);
            await records.FailAsync(callId, $"Twilio refused the call: {e.Message}", cancellationToken);
            return new OutboundCallStart.TwilioFailed(callId, e);
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutException or Polly.Timeout.TimeoutRejectedException or TaskCanceledException
                                   && !cancellationToken.IsCancellationRequested)
        {
            LogCreateUnknown(e, callId);
            return new OutboundCallStart.OutcomeUnknown(callId, e.Message);
        }

        await records.AttachCallSidAsync(callId, created.Sid, cancellationToken);
        return new OutboundCallStart.Placed(callId, created.Sid);
    }

    /// <summary>The agent's calls newest first; null when there is no such agent.</summary>
    public async Task<ListPage<CallRecord>?> ListAsync(string agentId, ListQuery query, CallState? state, CancellationToken cancellationToken) =>
        await agents.GetAsync(agentId, cancellationToken) is null ? null : await history.ListCallsAsync(agentId, query, state, cancellationToken);

    /// <summary>The call's record and transcript; null when <paramref name="agentId"/> has no such call.</summary>
    public async Task<(CallRecord Call, IReadOnlyList<TranscriptTurn> Transcript)?> GetAsync(string agentId, string callId, CancellationToken cancellationToken)
    {
        var call = await store.GetCallAsync(callId, cancellationToken);
        if (call is null || call.AgentId != agentId)
        {
            return null;
        }

        return (call, await store.GetTranscriptAsync(callId, cancellationToken));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbound call {CallId}: Twilio refused it ({Code}: {Message})")]
    private partial void LogCreateFailed(string callId, int? code, string message);

    [LoggerMessage(Level = LogLevel.Error, Message = "Outbound call {CallId}: no answer from Twilio; outcome unknown")]
    private partial void LogCreateUnknown(Exception e, string callId);
}

/// <summary>How asking for an outbound call ended.</summary>
public abstract record OutboundCallStart
{
    private OutboundCallStart()
    {
    }

    public sealed record NoSuchAgent : OutboundCallStart;

    public sealed record AgentDisabled : OutboundCallStart;

    /// <summary>Twilio took the call; it rings now.</summary>
    public sealed record Placed(string CallId, string CallSid) : OutboundCallStart;

    /// <summary>
    /// Twilio answered with an error; <see cref="RefusedByTwilio"/> when it refused this call (a 4xx other than 429),
    /// else it failed or was busy. The record is ended.
    /// </summary>
    public sealed record TwilioFailed(string CallId, TwilioApiException Error) : OutboundCallStart
    {
        public bool RefusedByTwilio => Error.HttpStatus is >= 400 and < 500 and not 429;
    }

    /// <summary>No answer from Twilio: the call may or may not have been placed, so the record stays open.</summary>
    public sealed record OutcomeUnknown(string CallId, string Detail) : OutboundCallStart;
}
