using AgentOS.Voice.Calls;
using AgentOS.Voice.Events;
using AgentOS.Voice.Hosting;
using AgentOS.Voice.Messages;
using AgentOS.Voice.Outcomes;
using AgentOS.Voice.Twilio.Rest;
using AgentOS.Voice.Twilio.Webhooks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentOS.Voice.Reconciling;

/// <summary>What the reconciler did with one record.</summary>
public enum ReconcileResult
{
    /// <summary>Twilio's final status was applied.</summary>
    Settled,

    /// <summary>Twilio still reports the call live: left alone.</summary>
    Live,

    /// <summary>No call SID was ever recorded, or Twilio has no such call: failed, with the reason on the record.</summary>
    Failed,

    /// <summary>Twilio did not answer (5xx, timeout, network): left for the next run.</summary>
    Deferred,

    /// <summary>Written by someone else since it was found: left for the next run to judge afresh.</summary>
    Changed,
}

/// <summary>One record the reconciler looked at: kind "message" or "call", with its id.</summary>
public sealed record Reconciled(string Kind, string AgentId, string Id, ReconcileResult Result);

/// <summary>
/// Settles call and message records left in a call state after their status callbacks were lost (a storage outage
/// outlasting the webhooks' retry buffer, a crashed worker): each not written for <see cref="ReconcilerOptions.StuckAfter"/>
/// is looked up at Twilio (<c>GET /Calls/{sid}</c>) and Twilio's status goes through the path its status callback takes
/// (<see cref="VoiceMessageWebhooks.OnCallStatusAsync"/> for messages, <see cref="CallStatusUpdate"/> and the store's
/// merge for calls), so end states never go back, events are published and the outcome is asked for.
/// </summary>
public sealed partial class RecordReconciler(
    TableVoiceMessageStore messageTable,
    IVoiceMessageStore messages,
    VoiceMessageWebhooks webhooks,
    TableCallStore callTable,
    ICallStore calls,
    TwilioClient twilio,
    OutcomeRequests outcomes,
    TimeProvider time,
    IOptions<ReconcilerOptions> options,
    ILogger<RecordReconciler> logger,
    VoiceEventPublisher? events = null)
{
    public const string MessageKind = "message", CallKind = "call";

    /// <summary>One run: at most <see cref="ReconcilerOptions.MaxPerRun"/> records, messages first.</summary>
    public async Task<IReadOnlyList<Reconciled>> RunAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        var writtenBefore = time.GetUtcNow() - o.StuckAfter;
        var done = new List<Reconciled>();

        // Found first, settled after: writing while a query pages on would move rows under its continuation.
        var stuckMessages = await messageTable.FindStuckAsync(writtenBefore, o.MaxPerRun, cancellationToken).ToListAsync(cancellationToken);
        foreach (var message in stuckMessages)
        {
            done.Add(Count(new Reconciled(MessageKind, message.AgentId, message.Id, await SettleMessageAsync(message, cancellationToken))));
        }

        if (done.Count < o.MaxPerRun)
        {
            var stuckCalls = await callTable.FindStuckAsync(writtenBefore, o.MaxPerRun - done.Count, cancellationToken).ToListAsync(cancellationToken);
            foreach (var call in stuckCalls)
            {
                done.Add(Count(new Reconciled(CallKind, call.AgentId, call.CallId, await SettleCallAsync(call, cancellationToken))));
            }
        }

        LogRun(logger, done.Count, done.Count(r => r.Result is ReconcileResult.Settled or ReconcileResult.Failed),
            done.Count(r => r.Result == ReconcileResult.Deferred));
        return done;
    }

    private async Task<ReconcileResult> SettleMessageAsync(VoiceMessage found, CancellationToken cancellationToken)
    {
        if (found.CallSid is null)
        {
            // Claimed, and no call SID saved since: whether Twilio placed a call is unknown, so it is never placed now.
            var failed = await messages.UpdateAsync(found.AgentId, found.Id, m => m.ETag != found.ETag
                ? null
                : m.Transition(MessageState.Failed, time.GetUtcNow(), "reconciler: no call SID was saved") with { Error = MessageError.ClaimWithoutCall(m.ClaimedAt) },
                cancellationToken);
            if (failed is not { State: MessageState.Failed } || failed.ETag == found.ETag)
            {
                return ReconcileResult.Changed;
            }

            LogNoCallSid(logger, MessageKind, found.Id, found.AgentId);
            await outcomes.MessageEndedAsync(found.AgentId, found.Id, cancellationToken);
            return ReconcileResult.Failed;
        }

        if (await LookUpAsync(MessageKind, found.Id, found.CallSid, cancellationToken) is not { } status)
        {
            return ReconcileResult.Deferred;
        }

        var settled = await webhooks.OnCallStatusAsync(found.AgentId, found.Id, status, cancellationToken);
        if (settled is null)
        {
            return ReconcileResult.Changed;
        }

        if (!settled.State.IsFinal())
        {
            // The note moves the row's Timestamp on: looked at again after another StuckAfter, not every run.
            await messages.UpdateAsync(found.AgentId, found.Id, m => m.State.IsFinal() ? null : m.Note(time.GetUtcNow(),
                $"reconciler: Twilio reports call {found.CallSid} {status.CallStatus}"), cancellationToken);
            return ReconcileResult.Live;
        }

        LogSettled(logger, MessageKind, found.Id, found.AgentId, status.CallStatus);
        return status.ErrorMessage is null ? ReconcileResult.Settled : ReconcileResult.Failed;
    }

    private async Task<ReconcileResult> SettleCallAsync(CallRecord found, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        TwilioVoiceRequest? status = null;
        if (!string.IsNullOrEmpty(found.CallSid))
        {
            status = await LookUpAsync(CallKind, found.CallId, found.CallSid, cancellationToken);
            if (status is null)
            {
                return ReconcileResult.Deferred;
            }

            if (!CallStatusUpdate.IsFinal(status.CallStatus))
            {
                await callTable.MarkCheckedAsync(found.CallId, now, cancellationToken);
                return ReconcileResult.Live;
            }
        }

        var current = await calls.GetCallAsync(found.CallId, cancellationToken);
        if (current is not { State: CallState.InProgress })
        {
            return ReconcileResult.Changed;
        }

        var ended = status is null
            ? current with
            {
                State = CallState.Ended,
                EndedAt = now,
                EndReason = CallEndReasons.Error,
                LastError = "No Twilio call SID was recorded: the call was never placed, or Twilio's answer was lost. Ended by the reconciler.",
            }
            : CallStatusUpdate.Apply(current, status, now) with { LastError = status.ErrorMessage ?? current.LastError };
        await calls.UpsertCallAsync(ended, cancellationToken);

        var stored = await calls.GetCallAsync(found.CallId, cancellationToken) ?? ended;
        if (CallEvents.For(events, stored.AgentId, stored.CallId, time) is { } callEvents)
        {
            callEvents.Ended(stored, (await calls.GetTranscriptAsync(stored.CallId, cancellationToken)).Count);
        }

        // The relay session asks for the outcome when its socket closes; a session that died with its replica never did.
        await outcomes.CallEndedAsync(stored.AgentId, stored.CallId, cancellationToken);
        if (status is null)
        {
            LogNoCallSid(logger, CallKind, found.CallId, found.AgentId);
            return ReconcileResult.Failed;
        }

        LogSettled(logger, CallKind, found.CallId, found.AgentId, status.CallStatus);
        return status.ErrorMessage is null ? ReconcileResult.Settled : ReconcileResult.Failed;
    }

    /// <summary>Twilio's status of the call as a status callback would tell it; null when Twilio could not be asked.</summary>
    private async Task<TwilioVoiceRequest?> LookUpAsync(string kind, string id, string callSid, CancellationToken cancellationToken)
    {
        try
        {
            return TwilioCallStatus.ToVoiceRequest(await twilio.GetCallAsync(callSid, cancellationToken));
        }
        catch (TwilioApiException e) when (e.HttpStatus == 404)
        {
            return TwilioCallStatus.NotFound(callSid, e.Code);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            // 5xx, 429, a timeout, a refused key: nothing is known about the call, so nothing is written.
            VoiceTelemetry.ProviderFailed(VoiceTelemetry.Providers.Twilio);
            LogDeferred(logger, e, kind, id, callSid);
            return null;
        }
    }

    private static Reconciled Count(Reconciled record)
    {
        VoiceTelemetry.Reconciled.Add(1,
            new KeyValuePair<string, object?>("kind", record.Kind),
            new KeyValuePair<string, object?>("result", record.Result.ToString().ToLowerInvariant()));
        return record;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Reconciler: {Count} stuck records looked at, {Ended} ended, {Deferred} left for the next run")]
    private static partial void LogRun(ILogger logger, int count, int ended, int deferred);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reconciler: {Kind} {Id} of agent {AgentId} settled from Twilio's call resource ({Status}); its status callbacks never arrived")]
    private static partial void LogSettled(ILogger logger, string kind, string id, string agentId, string? status);

    [LoggerMessage(Level = LogLevel.Error, Message = "Reconciler: {Kind} {Id} of agent {AgentId} has no call SID; failed")]
    private static partial void LogNoCallSid(ILogger logger, string kind, string id, string agentId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reconciler: looking up call {CallSid} of {Kind} {Id} at Twilio failed; left for the next run")]
    private static partial void LogDeferred(ILogger logger, Exception e, string kind, string id, string callSid);
}
