using AgentOS.Voice.Agents;
using AgentOS.Voice.Hosting;
using AgentOS.Voice.Outcomes;
using AgentOS.Voice.Twilio.Rest;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Twilio.Rest.Api.V2010.Account;

namespace AgentOS.Voice.Messages;

/// <summary>
/// Works one <c>voice-messages</c> job: takes its record from <see cref="VoiceMessageIntake"/>, waits (re-queues) until it is due, renders or
/// reuses the audio, claims the record with an ETag-conditional write and only then asks Twilio for the call. Delivering
/// the same job twice, or two copies of it, places one call: whoever loses the claim stops, and a claim that never got
/// its call SID is reported, not called again.
/// </summary>
public sealed partial class VoiceMessageDispatcher(
    IVoiceMessageStore store,
    PoisonedJobs poisoned,
    VoiceMessageIntake intake,
    VoiceMessageAudio audio,
    VoiceMessageCallFactory calls,
    VoiceMessageQueue queue,
    TwilioClient twilio,
    IOptions<VoiceMessageOptions> options,
    TimeProvider time,
    ILogger<VoiceMessageDispatcher> logger,
    OutcomeRequests outcomes)
{
    /// <exception cref="VoiceMessageRejectedException">The job can never be sent: hand it to <see cref="RejectAsync"/>.</exception>
    public async Task ProcessAsync(string messageText, CancellationToken cancellationToken)
    {
        var (agent, received) = await intake.ReceiveAsync(VoiceMessageJob.Parse(messageText), cancellationToken);
        if (received is not { } message)
        {
            return;
        }

        if (queue.DelayUntil(message.SendAt) is { } wait)
        {
            await queue.SendAsync(VoiceMessageJob.For(message), cancellationToken);
            logger.LogInformation("Message {MessageId} is due in {Wait}; re-queued", message.Id, wait);
            return;
        }

        while (true)
        {
            if (!await IsForUsAsync(message, cancellationToken))
            {
                return;
            }

            if (!agent.Enabled)
            {
                await FailAsync(message, new MessageError(MessageErrorCodes.AgentUnavailable, $"Agent '{agent.Id}' is disabled."), cancellationToken);
                return;
            }

            var attempt = message.Attempts + 1;
            var started = time.GetUtcNow();
            var rendering = await store.TryReplaceAsync(
                message.Transition(MessageState.Rendering, started, $"attempt {attempt}") with
                {
                    Attempts = attempt,
                    FirstAttemptAt = message.FirstAttemptAt ?? started,
                }, cancellationToken);
            if (rendering is null)
            {
                message = await ReloadAsync(message, cancellationToken);
                continue;
            }

            string blob;
            Uri audioUrl;
            try
            {
                blob = await audio.EnsureRenderedAsync(message.Text, message.Voice ?? agent.Voice, agent.Language, cancellationToken);
                audioUrl = await audio.GetPlaybackUrlAsync(blob, cancellationToken);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                VoiceTelemetry.ProviderFailed(VoiceTelemetry.Providers.Speech);
                if (IsPermanent(e))
                {
                    await GiveUpAsync(rendering, $"attempt {attempt}: the speech provider refused ({e.Message}); not retried", cancellationToken);
                }
                else
                {
                    await RetryLaterAsync(rendering, $"attempt {attempt} failed: {e.Message}", cancellationToken);
                }

                return;
            }

            var now = time.GetUtcNow();
            var claimed = await store.TryReplaceAsync(
                rendering.Transition(MessageState.Calling, now, "claimed for calling") with { AudioBlob = blob, ClaimedAt = now }, cancellationToken);
            if (claimed is null)
            {
                // A cancel or a duplicate worker wrote in between: look again at what the record now says.
                message = await ReloadAsync(rendering, cancellationToken);
                continue;
            }

            await PlaceCallAsync(claimed, agent, audioUrl, cancellationToken);
            return;
        }
    }

    /// <summary>The last attempt failed: the record says why, unless a call is already under way.</summary>
    public async Task OnPoisonAsync(string messageText, string reason, CancellationToken cancellationToken)
    {
        if (NamedJob(messageText) is not ({ } job, { } agentId))
        {
            return;
        }

        var message = await store.UpdateAsync(agentId, job.ResolveMessageId(), m => m.State.IsBeforeCall()
            ? m.Transition(MessageState.Failed, time.GetUtcNow(), "gave up: " + reason) with
            {
                Error = new MessageError(MessageErrorCodes.Poisoned, $"Gave up after {m.Attempts} attempts; the job is in {VoiceMessageQueue.QueueName}-poison. Last error: {reason}"),
            }
            : null, cancellationToken);
        await RequestOutcomeIfEndedAsync(message, cancellationToken);
    }

    public static bool ShouldRecord(RecordingPolicy policy, bool requested) => policy switch
    {
        RecordingPolicy.Never => false,
        RecordingPolicy.Always => true,
        _ => requested,
    };

    /// <summary>Whether this worker should go on with the record; reports a claim that never got its call.</summary>
    private async Task<bool> IsForUsAsync(VoiceMessage message, CancellationToken cancellationToken)
    {
        if (message.State.IsBeforeCall())
        {
            return true;
        }

        // A retried job of a message that ended (perhaps failed here by an attempt that stopped before asking for its
        // outcome) asks again; the outcome is made once whoever asks.
        await RequestOutcomeIfEndedAsync(message, cancellationToken);

        if (message is { State: MessageState.Calling, CallSid: null } &&
            message.ClaimedAt + options.Value.ClaimTimeout < time.GetUtcNow())
        {
            logger.LogError("Message {MessageId} was claimed at {ClaimedAt} and no call SID was saved; not calling again", message.Id, message.ClaimedAt);
            await FailAsync(message, MessageError.ClaimWithoutCall(message.ClaimedAt), cancellationToken);
            return false;
        }

        logger.LogInformation("Message {MessageId} is {State}; this delivery has nothing to do", message.Id, message.State.Name());
        return false;
    }

    private async Task PlaceCallAsync(VoiceMessage message, Agent agent, Uri audioUrl, CancellationToken cancellationToken)
    {
        var record = ShouldRecord(agent.Recording, message.RecordRequested);
        CallResource call;
        try
        {
            call = await twilio.CreateCallAsync(calls.CreateCall(message, agent.PhoneNumber, audioUrl, record), cancellationToken);
        }
        catch (TwilioApiException e) when (e.HttpStatus is >= 400 and < 500 and not 429)
        {
            VoiceTelemetry.ProviderFailed(VoiceTelemetry.Providers.Twilio);
            // Twilio refused (invalid number, geo permissions…): asking again gives the same answer.
            await FailAsync(message, new MessageError(MessageErrorCodes.Twilio(e.Code), e.TwilioMessage), cancellationToken);
            return;
        }
        catch (TwilioApiException e)
        {
            VoiceTelemetry.ProviderFailed(VoiceTelemetry.Providers.Twilio);
            // Rate-limited or Twilio's own failure: the claim is given back and the job retried later.
            await RetryLaterAsync(message, $"attempt {message.Attempts}: Twilio answered HTTP {e.HttpStatus} ({e.Message})", cancellationToken);
            return;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            // The request may have reached Twilio before the answer was lost: calling again could ring twice.
            logger.LogError(e, "Creating the call for message {MessageId} ended without an answer", message.Id);
            VoiceTelemetry.ProviderFailed(VoiceTelemetry.Providers.Twilio);
            await FailAsync(message, new MessageError(MessageErrorCodes.CallOutcomeUnknown,
                $"Twilio's answer to create-call was lost ({e.GetType().Name}: {e.Message}); the call may or may not exist and is not placed again."), cancellationToken);
            return;
        }

        await store.UpdateAsync(message.AgentId, message.Id, m => m.CallSid == call.Sid
            ? null
            : m with { CallSid = call.Sid, History = [.. m.History, new MessageHistoryEntry(time.GetUtcNow(), m.State, $"call {call.Sid} placed")] },
            cancellationToken);
        logger.LogInformation("Message {MessageId}: call {CallSid} placed (record: {Record})", message.Id, call.Sid, record);
    }

    /// <summary>Fails the message before any call: no Twilio callback will ever say it ended, so its outcome is asked for here.</summary>
    private async Task FailAsync(VoiceMessage message, MessageError error, CancellationToken cancellationToken)
    {
        var failed = await store.UpdateAsync(message.AgentId, message.Id, m => m.State.IsFinal()
            ? null
            : m.Transition(MessageState.Failed, time.GetUtcNow(), error.Message) with { Error = error }, cancellationToken);
        await RequestOutcomeIfEndedAsync(failed, cancellationToken);
    }

    private async Task RequestOutcomeIfEndedAsync(VoiceMessage? message, CancellationToken cancellationToken)
    {
        if (message is not null && message.State.IsFinal())
        {
            await outcomes.MessageEndedAsync(message.AgentId, message.Id, cancellationToken);
        }
    }

    private async Task<VoiceMessage> ReloadAsync(VoiceMessage message, CancellationToken cancellationToken) =>
        await store.GetAsync(message.AgentId, message.Id, cancellationToken)
        ?? throw new InvalidOperationException($"Message {message.Id} disappeared while being sent.");
}
