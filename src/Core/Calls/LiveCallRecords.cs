using AgentOS.Voice.Storage;
using AgentOS.Voice.Twilio.Webhooks;
using Microsoft.Extensions.Logging;

namespace AgentOS.Voice.Calls;

/// <summary>
/// What the Functions side writes on a live call's record: its creation, why it ended (from Twilio's relay action)
/// and its final status and billed duration (from the status callback). The relay session writes the same record
/// while the call runs; these updates read it first, and the store merges what they write with what it holds by then
/// (<see cref="CallRecordMerge"/>: end reasons by precedence, Twilio's billed times kept).
/// A storage failure is logged, not thrown: the caller must still get TwiML. When storage is out the update is
/// deferred (<see cref="WebhookStorage"/>) and made once storage is back; each update reads the record again then.
/// </summary>
public sealed partial class LiveCallRecords(ICallStore store, ICallRecorder recorder, WebhookStorage storage, TimeProvider time, ILogger<LiveCallRecords> logger)
{
    /// <summary>
    /// Queued, not awaited: a storage round trip here would be silence on the line before the caller hears the
    /// agent, and the record is not lost if this write is late or dropped, because the relay session writes it at
    /// setup and a relay action creates it if missing. Insert-only, so a late write never replaces theirs.
    /// </summary>
    public void StartInBackground(CallRecord call) => recorder.RecordIfNew(call with { StartedAt = time.GetUtcNow() });

    /// <summary>Awaited where the record must exist before the next step (an outbound call about to be placed).</summary>
    public Task StartAsync(CallRecord call, CancellationToken cancellationToken)
    {
        var started = call with { StartedAt = time.GetUtcNow() };
        return SafelyAsync(call.CallId, token => store.UpsertCallAsync(started, token), cancellationToken);
    }

    // Times are taken when Twilio tells, not when the write happens: a deferred write may land minutes later.
    public Task EndAsync(string callId, string agentId, TwilioVoiceRequest voice, string reason, string? error, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return UpdateAsync(callId, agentId, voice, call => call with
        {
            State = CallState.Ended,
            EndedAt = call.EndedAt ?? now,
            EndReason = reason,
            HandoffData = voice.HandoffData ?? call.HandoffData,
            LastError = error ?? call.LastError,
        }, cancellationToken);
    }

    public Task NoteErrorAsync(string callId, string agentId, TwilioVoiceRequest voice, string error, CancellationToken cancellationToken) =>
        UpdateAsync(callId, agentId, voice, call => call with { LastError = error }, cancellationToken);

    /// <summary>
    /// The status callback: a final status ends the record (<see cref="CallStatusUpdate"/>); progress statuses only
    /// fill in the call sid. Calls we never took (an unknown agent's number, say) get no record from their callbacks.
    /// </summary>
    public Task ApplyStatusAsync(string callId, string agentId, TwilioVoiceRequest voice, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return UpdateAsync(callId, agentId, voice, call => CallStatusUpdate.Apply(call, voice, now), cancellationToken, createIfMissing: false);
    }

    /// <summary>Twilio refused to place the call: it is over before it began.</summary>
    public Task FailAsync(string callId, string error, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return ChangeExistingAsync(callId, call => call with
        {
            State = CallState.Ended,
            EndedAt = now,
            EndReason = CallEndReasons.Error,
            LastError = error,
        }, cancellationToken);
    }

    public Task AttachCallSidAsync(string callId, string callSid, CancellationToken cancellationToken) =>
        ChangeExistingAsync(callId, call => string.IsNullOrEmpty(call.CallSid) ? call with { CallSid = callSid } : call, cancellationToken);

    private Task ChangeExistingAsync(string callId, Func<CallRecord, CallRecord> change, CancellationToken cancellationToken) =>
        SafelyAsync(callId, async token =>
        {
            if (await store.GetCallAsync(callId, token) is { } call)
            {
                await store.UpsertCallAsync(change(call), token);
            }
        }, cancellationToken);

    // Relay actions create a missing record (its first write may have failed): the call did reach the agent.
    private Task UpdateAsync(
        string callId, string agentId, TwilioVoiceRequest voice, Func<CallRecord, CallRecord> change, CancellationToken cancellationToken,
        bool createIfMissing = true)
    {
        var now = time.GetUtcNow();
        return SafelyAsync(callId, async token =>
        {
            var existing = await store.GetCallAsync(callId, token);
            if (existing is null && !createIfMissing)
            {
                return;
            }

            if (existing is not null && existing.AgentId != agentId)
            {
                LogWrongAgent(callId, existing.AgentId, agentId);
                return;
            }

            var call = existing ?? new CallRecord
            {
                CallId = callId,
                AgentId = agentId,
                Direction = voice.Direction?.StartsWith("outbound", StringComparison.Ordinal) == true ? "outbound" : "inbound",
                From = voice.From ?? string.Empty,
                To = voice.To ?? string.Empty,
                StartedAt = now,
            };
            if (string.IsNullOrEmpty(call.CallSid) && voice.CallSid is not null)
            {
                call = call with { CallSid = voice.CallSid };
            }

            await store.UpsertCallAsync(change(call), token);
        }, cancellationToken);
    }

    private async Task SafelyAsync(string callId, Func<CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        try
        {
            await storage.WriteOrDeferAsync($"call {callId} record", write, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogStoreFailed(e, callId);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Call {CallId}: could not update the call record")]
    private partial void LogStoreFailed(Exception e, string callId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {CallId} belongs to agent {Owner}, not {AgentId}; record left unchanged")]
    private partial void LogWrongAgent(string callId, string owner, string agentId);
}
