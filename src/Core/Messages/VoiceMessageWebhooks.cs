using AgentOS.Voice.Outcomes;
using AgentOS.Voice.Twilio.Rest;
using AgentOS.Voice.Twilio.Twiml;
using AgentOS.Voice.Twilio.Webhooks;
using Microsoft.Extensions.Logging;
using Twilio.Rest.Api.V2010.Account;

namespace AgentOS.Voice.Messages;

/// <summary>
/// What Twilio's signed webhooks do to a message record: call progress, the recorded answer, and the answering-machine
/// verdict (which replays the message once a voicemail box has beeped). Each returns null when there is no such message.
/// </summary>
public sealed class VoiceMessageWebhooks(
    IVoiceMessageStore store,
    VoiceMessageAudio audio,
    VoiceMessageCallFactory calls,
    TwilioClient twilio,
    TimeProvider time,
    ILogger<VoiceMessageWebhooks> logger,
    OutcomeRequests outcomes)
{
    public async Task<VoiceMessage?> OnCallStatusAsync(string agentId, string messageId, TwilioVoiceRequest request, CancellationToken cancellationToken)
    {
        var message = await store.UpdateAsync(agentId, messageId, m => ApplyStatus(m, request, time.GetUtcNow()), cancellationToken);
        // Every final callback asks (a repeat is harmless: the outcome is made once); a failure here makes Twilio retry.
        if (message is not null && message.State.IsFinal())
        {
            await outcomes.MessageEndedAsync(agentId, messageId, cancellationToken);
        }

        return message;
    }

    public Task<VoiceMessage?> OnRecordingAsync(string agentId, string messageId, TwilioVoiceRequest request, CancellationToken cancellationToken) =>
        store.UpdateAsync(agentId, messageId, m => IsOtherCall(m, request) || (m.RecordingUrl == request.RecordingUrl && m.RecordingSid == request.RecordingSid)
            ? null
            : m.Note(time.GetUtcNow(), $"recording {request.RecordingSid} ({request.RecordingDuration} s)") with
            {
                RecordingUrl = request.RecordingUrl,
                RecordingSid = request.RecordingSid,
                RecordingDurationSeconds = request.RecordingDuration,
            }, cancellationToken);

    public async Task<VoiceMessage?> OnMachineDetectionAsync(string agentId, string messageId, TwilioVoiceRequest request, CancellationToken cancellationToken)
    {
        var message = await store.UpdateAsync(agentId, messageId, m => IsOtherCall(m, request) || m.AnsweredBy == request.AnsweredBy
            ? null
            : m.Note(time.GetUtcNow(), $"answered by {request.AnsweredBy}") with { AnsweredBy = request.AnsweredBy, CallSid = m.CallSid ?? request.CallSid },
            cancellationToken);
        if (message is null || request.AnsweredBy?.StartsWith("machine_end_", StringComparison.Ordinal) != true)
        {
            return message;
        }

        var callSid = request.CallSid ?? message.CallSid;
        if (callSid is null || message.AudioBlob is null || message.State.IsFinal())
        {
            return message;
        }

        // The message began while the greeting played; start it again now that the box is recording.
        string detail;
        try
        {
            var url = await audio.GetPlaybackUrlAsync(message.AudioBlob, cancellationToken);
            await twilio.UpdateCallAsync(new UpdateCallOptions(callSid) { Twiml = calls.AfterBeepTwiml(url).ToTwiml() }, cancellationToken);
            detail = "message played again after the voicemail beep";
        }
        catch (TwilioApiException e)
        {
            // Usually the call ended meanwhile; Twilio retrying this webhook would not change that.
            logger.LogWarning(e, "Message {MessageId}: replaying after the beep failed", message.Id);
            detail = $"replaying after the beep failed: {e.Message}";
        }

        return await store.UpdateAsync(agentId, messageId, m => m.Note(time.GetUtcNow(), detail), cancellationToken);
    }

    private static VoiceMessage? ApplyStatus(VoiceMessage m, TwilioVoiceRequest request, DateTimeOffset now)
    {
        // Before the claim there is no call this could be about.
        if (IsOtherCall(m, request) || m.State.IsBeforeCall())
        {
            return null;
        }

        var revived = m is { State: MessageState.Failed, Error.Code: MessageErrorCodes.CallOutcomeUnknown };
        var next = MessageStates.FromCallStatus(request.CallStatus);
        var updated = m with
        {
            CallSid = m.CallSid ?? request.CallSid,
            AnsweredBy = request.AnsweredBy ?? m.AnsweredBy,
            CallDurationSeconds = request.CallDuration ?? m.CallDurationSeconds,
        };

        if (next is not { } state || !CanMove(m.State, state, revived))
        {
            // Progress that changes no state (initiated, ringing) or a late, out-of-order callback: keep what it tells.
            return updated == m ? null : updated.Note(now, $"call {request.CallStatus}");
        }

        var error = state == MessageState.Failed
            ? new MessageError(MessageErrorCodes.Twilio(request.ErrorCode), request.ErrorMessage ?? "Twilio reports the call failed.")
            : revived ? null : m.Error;
        return updated.Transition(state, now, $"call {request.CallStatus}") with { Error = error };
    }

    private static bool CanMove(MessageState from, MessageState to, bool revived) => (from, to) switch
    {
        _ when from == to => false,
        // The call we could not confirm turned out to exist: its callbacks tell what happened.
        _ when revived => true,
        (MessageState.Calling, _) => true,
        (MessageState.InProgress, not MessageState.Calling) => true,
        _ => false,
    };

    // Callback URLs carry our ids only; a call SID that differs from the one we saved is not this message's call.
    private static bool IsOtherCall(VoiceMessage m, TwilioVoiceRequest request) =>
        m.CallSid is not null && request.CallSid is not null && m.CallSid != request.CallSid;
}
