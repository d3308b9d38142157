using AgentOS.Voice.Agents;
using AgentOS.Voice.Events;
using AgentOS.Voice.Storage;
using AgentOS.Voice.Twilio.Webhooks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Twilio.TwiML;

namespace AgentOS.Voice.Calls;

/// <summary>
/// What Twilio's live-call webhooks decide (incoming-call, outbound-call, relay-action, call-status): the TwiML a
/// caller gets, the record updates and the live events. A caller always hears something: unknown agents, unknown
/// calls and failures are answered with spoken TwiML, never an error. When storage is out (<see cref="WebhookStorage"/>)
/// the agent comes from memory, a call whose agent was never seen here hears the apology, and record writes are deferred.
/// </summary>
public sealed partial class LiveCallWebhooks(
    WebhookStorage storage,
    ICallContextStore contexts,
    LiveCallRecords records,
    LiveCallTwiml twiml,
    IOptions<LiveCallOptions> options,
    VoiceEventPublisher events,
    TimeProvider time,
    ILogger<LiveCallWebhooks> logger)
{
    /// <summary>
    /// Twilio asks for our TwiML while the call rings (CallStatus=ringing) and answers it by running what we return.
    /// <paramref name="ringingAt"/> is when the webhook arrived.
    /// </summary>
    public async Task<VoiceResponse> IncomingAsync(string agentId, TwilioVoiceRequest voice, DateTimeOffset ringingAt, CancellationToken cancellationToken)
    {
        var (agent, storageOut) = await storage.GetAgentAsync(agentId, cancellationToken);
        if (agent is not { Enabled: true })
        {
            // No events: the call is not the agent's (no record, no relay session, nothing would end it in a live view).
            LogUnavailable(agentId, Why(agent, storageOut), voice.CallSid);
            return twiml.Unavailable(agent);
        }

        // An inbound call's id is Twilio's call sid, so the number's own status callback finds the record too.
        var callId = voice.CallSid ?? Guid.NewGuid().ToString("n");
        records.StartInBackground(new CallRecord
        {
            CallId = callId,
            AgentId = agent.Id,
            CallSid = voice.CallSid ?? string.Empty,
            Direction = "inbound",
            From = voice.From ?? string.Empty,
            To = voice.To ?? string.Empty,
        });
        var connect = twiml.Connect(agent, callId, context: null, attempt: 1);
        PublishInbound(agent.Id, callId, voice, ringingAt);
        return connect;
    }

    /// <summary>Twilio asks for the TwiML of an outbound call we placed; <paramref name="callId"/> is from our own URL.</summary>
    public async Task<VoiceResponse> OutboundAsync(string agentId, string? callId, TwilioVoiceRequest voice, CancellationToken cancellationToken)
    {
        var (context, contextOut) = string.IsNullOrWhiteSpace(callId)
            ? (null, null)
            : await storage.ReadAsync(token => contexts.GetAsync(callId, token), cancellationToken);
        // Storage out: the URL (ours, signed by Twilio) names the call; the greeting goes without the context's values.
        if (contextOut is null && (context is null || context.AgentId != agentId))
        {
            LogUnavailable(agentId, $"no stored context for call id '{callId}'", voice.CallSid);
            return twiml.Unavailable(null);
        }

        var (agent, storageOut) = await storage.GetAgentAsync(agentId, cancellationToken);
        if (agent is not { Enabled: true })
        {
            LogUnavailable(agentId, Why(agent, storageOut), voice.CallSid);
            return twiml.Unavailable(agent);
        }

        return twiml.Connect(agent, callId!, context?.Context, attempt: 1);
    }

    /// <summary>
    /// Twilio asks what next once a ConversationRelay session is over: hang up, hand off, or (after a failed session,
    /// while attempts are left) connect again. <paramref name="callId"/> and <paramref name="attempt"/> are from our own URL.
    /// </summary>
    public async Task<VoiceResponse> RelayActionAsync(
        string agentId, string? callId, string? attempt, TwilioVoiceRequest voice, CancellationToken cancellationToken)
    {
        var id = !string.IsNullOrWhiteSpace(callId) ? callId : voice.CallSid ?? Guid.NewGuid().ToString("n");
        var attempts = int.TryParse(attempt, out var n) && n > 0 ? n : 1;
        var o = options.Value;

        switch (voice.SessionStatus)
        {
            case "ended" when voice.HandoffData is not null:
            {
                var (agent, _) = await storage.GetAgentAsync(agentId, cancellationToken);
                if (string.IsNullOrWhiteSpace(agent?.TransferNumber))
                {
                    await records.EndAsync(id, agentId, voice, CallEndReasons.AgentEnded, "Hand-off asked for, but the agent has no transfer number", cancellationToken);
                    return LiveCallTwiml.SayAndHangUp(o.NoTransferText, agent?.Language);
                }

                await records.EndAsync(id, agentId, voice, CallEndReasons.HandedOff, null, cancellationToken);
                return twiml.Transfer(agent, agent.TransferNumber);
            }

            case "ended":
                await records.EndAsync(id, agentId, voice, CallEndReasons.AgentEnded, null, cancellationToken);
                return new VoiceResponse().Hangup();

            case "completed":
                await records.EndAsync(id, agentId, voice, CallEndReasons.CallerHungUp, null, cancellationToken);
                return new VoiceResponse();

            case "failed":
            {
                var error = $"ConversationRelay session {attempts} failed: Twilio error {voice.ErrorCode?.ToString() ?? "(none)"} {voice.ErrorMessage}".TrimEnd();
                LogRelayFailed(id, attempts, voice.ErrorCode, voice.ErrorMessage);
                var agent = attempts < o.MaxRelayAttempts ? (await storage.GetAgentAsync(agentId, cancellationToken)).Agent : null;
                if (agent is { Enabled: true })
                {
                    var (context, _) = await storage.ReadAsync(token => contexts.GetAsync(id, token), cancellationToken);
                    await records.NoteErrorAsync(id, agentId, voice, error, cancellationToken);
                    return twiml.Connect(agent, id, context?.AgentId == agentId ? context.Context : null, attempts + 1, o.ReconnectText);
                }

                await records.EndAsync(id, agentId, voice, CallEndReasons.Error, error, cancellationToken);
                return LiveCallTwiml.SayAndHangUp(o.GiveUpText, agent?.Language);
            }

            default:
                LogUnknownSession(id, voice.SessionStatus);
                await records.EndAsync(id, agentId, voice, CallEndReasons.Error, $"Unknown SessionStatus '{voice.SessionStatus}'", cancellationToken);
                return new VoiceResponse().Hangup();
        }
    }

    /// <summary>Twilio's call progress callback: the final status fixes the record's state and billed duration.</summary>
    public async Task StatusAsync(string agentId, string? callId, TwilioVoiceRequest voice, CancellationToken cancellationToken)
    {
        var id = !string.IsNullOrWhiteSpace(callId) ? callId : voice.CallSid;
        if (id is not null)
        {
            await records.ApplyStatusAsync(id, agentId, voice, cancellationToken);
            PublishStatus(agentId, id, voice);
        }
    }

    private static string Why(Agent? agent, bool storageOut) => (agent, storageOut) switch
    {
        (null, true) => "storage is out and the agent was not seen here before",
        (null, false) => "no such agent",
        _ => "agent disabled",
    };

    /// <summary>call.ringing and call.answered for live views (docs/events.md); the other statuses have their own events.</summary>
    private void PublishStatus(string agentId, string callId, TwilioVoiceRequest voice)
    {
        var type = voice.CallStatus switch
        {
            "ringing" => VoiceEventTypes.CallRinging,
            "in-progress" => VoiceEventTypes.CallAnswered,
            _ => null,
        };
        if (type is not null && events.Enabled)
        {
            events.Publish(VoiceEvent.ForCall(type, agentId, callId, time.GetUtcNow(),
                new CallStatusData(voice.CallSid ?? "", voice.Direction ?? "", voice.CallStatus!, voice.AnsweredBy)));
        }
    }

    /// <summary>
    /// An inbound call taken by the agent: ringing as the incoming-call webhook reported it, then answered as we hand
    /// Twilio the TwiML that answers it. We did not place the call, so no create-call request of ours asked for status
    /// callbacks of either.
    /// </summary>
    private void PublishInbound(string agentId, string callId, TwilioVoiceRequest voice, DateTimeOffset ringingAt)
    {
        if (!events.Enabled)
        {
            return;
        }

        var sid = voice.CallSid ?? "";
        var direction = voice.Direction ?? "inbound";
        if (voice.CallStatus == "ringing")
        {
            events.Publish(VoiceEvent.ForCall(VoiceEventTypes.CallRinging, agentId, callId, ringingAt, new CallStatusData(sid, direction, "ringing")));
        }

        // "in-progress" is the status Twilio gives the call once it runs our TwiML.
        events.Publish(VoiceEvent.ForCall(VoiceEventTypes.CallAnswered, agentId, callId, time.GetUtcNow(), new CallStatusData(sid, direction, "in-progress")));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {CallSid} to agent {AgentId} refused with an apology: {Why}")]
    private partial void LogUnavailable(string agentId, string why, string? callSid);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {CallId}: relay session {Attempt} failed (Twilio {ErrorCode}: {ErrorMessage})")]
    private partial void LogRelayFailed(string callId, int attempt, int? errorCode, string? errorMessage);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {CallId}: relay action with unknown SessionStatus '{Status}'; hanging up")]
    private partial void LogUnknownSession(string callId, string? status);
}
