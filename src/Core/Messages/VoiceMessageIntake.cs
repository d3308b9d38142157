using AgentOS.Voice.Agents;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentOS.Voice.Messages;

/// <summary>
/// The one way a voice message comes in, whether the API takes it or an outside producer enqueues its job: the job
/// is checked once, its record is created here (<see cref="AddRecordAsync"/>), and a second request under the same id
/// or idempotency key gets the first one's record, or is refused when it asks for something else.
/// </summary>
public sealed partial class VoiceMessageIntake(
    IVoiceMessageStore store,
    IAgentStore agents,
    VoiceMessageQueue queue,
    IOptions<VoiceMessageOptions> options,
    TimeProvider time,
    ILogger<VoiceMessageIntake> logger)
{
    /// <summary>
    /// A message from the API: checked, recorded and queued; a retry with the same idempotency key answers with the
    /// message already accepted under it. The record is undone when its job cannot be queued, so a retry starts afresh.
    /// </summary>
    public async Task<MessageSubmission> SubmitAsync(string agentId, SendVoiceMessageRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (await agents.GetAsync(agentId, cancellationToken) is not { } agent)
        {
            return new MessageSubmission.NoSuchAgent();
        }

        var now = time.GetUtcNow();
        var job = new VoiceMessageJob
        {
            MessageId = request.IdempotencyKey is null ? MessageIds.New() : null,
            AgentId = agentId,
            To = request.To,
            Text = request.Text,
            SendAt = request.SendAt,
            Record = request.Record,
            IdempotencyKey = request.IdempotencyKey,
            Voice = request.Voice,
        };
        var errors = VoiceMessageValidator.Validate(job, now, options.Value);
        if (request.Record == true && agent.Recording == RecordingPolicy.Never)
        {
            errors["record"] = [$"Agent '{agentId}' has recording policy Never."];
        }

        if (errors.Count > 0)
        {
            return new MessageSubmission.Invalid(errors);
        }

        var (stored, created) = await AddRecordAsync(job, request.SendAt is { } at && at > now ? $"scheduled for {at:O}" : "queued", cancellationToken);
        if (!created)
        {
            return job.DifferencesFrom(stored) is { Count: > 0 } differences
                ? new MessageSubmission.KeyReused(stored, differences)
                : new MessageSubmission.Accepted(stored);
        }

        try
        {
            await queue.SendAsync(job with { MessageId = stored.Id }, cancellationToken);
        }
        catch (Exception e) when (e is Azure.RequestFailedException or HttpRequestException)
        {
            // Without its queue message the record would wait forever.
            await store.DeleteAsync(stored, CancellationToken.None);
            return new MessageSubmission.NotQueued(e.Message);
        }

        return new MessageSubmission.Accepted(stored);
    }

    /// <summary>
    /// The record a dequeued job is about, with its agent. A job whose record exists was checked when the record was
    /// made, and must ask for what it holds; a job without one was enqueued by an outside producer and is checked and
    /// recorded now. Null when the job reuses another message's id or key (the refusal is noted on that message).
    /// </summary>
    /// <exception cref="VoiceMessageRejectedException">The job can never be sent.</exception>
    public async Task<(Agent Agent, VoiceMessage? Message)> ReceiveAsync(VoiceMessageJob job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        var now = time.GetUtcNow();
        var errors = VoiceMessageValidator.ValidateIdentity(job);
        if (errors.Count > 0)
        {
            throw Rejected(errors);
        }

        var agent = await agents.GetAsync(job.AgentId!, cancellationToken)
                    ?? throw new VoiceMessageRejectedException($"There is no agent '{job.AgentId}'.");
        var existing = await store.GetAsync(job.AgentId!, job.ResolveMessageId(), cancellationToken);
        if (existing is null)
        {
            errors = VoiceMessageValidator.ValidateJob(job, now, options.Value);
            if (errors.Count > 0)
            {
                throw Rejected(errors);
            }

            var (message, created) = await AddRecordAsync(job, "queued by a producer", cancellationToken);
            if (created)
            {
                LogCreatedFromJob(message.Id, message.AgentId);
                return (agent, message);
            }

            // Another copy of the job made it first.
            existing = message;
        }

        return (agent, await RefuseIfConflictingAsync(job, existing, cancellationToken) ? null : existing);
    }

    /// <summary>Creates the job's record; when its id is taken, the record already there (two copies racing both get the first).</summary>
    private Task<(VoiceMessage Message, bool Created)> AddRecordAsync(VoiceMessageJob job, string detail, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return store.AddAsync(new VoiceMessage
        {
            Id = job.ResolveMessageId(),
            AgentId = job.AgentId!,
            To = job.To!,
            Text = job.Text!,
            Voice = job.Voice,
            SendAt = job.SendAt,
            RecordRequested = job.Record ?? false,
            IdempotencyKey = job.IdempotencyKey,
            CreatedAt = now,
        }.Transition(MessageState.Queued, now, detail), cancellationToken);
    }

    /// <summary>
    /// A job whose id or idempotency key is already taken by a different message is not sent, and the refusal is
    /// written into the kept message's history, where an operator looking for the missing message finds it.
    /// </summary>
    private async Task<bool> RefuseIfConflictingAsync(VoiceMessageJob job, VoiceMessage kept, CancellationToken cancellationToken)
    {
        var differences = job.DifferencesFrom(kept);
        if (differences.Count == 0)
        {
            return false;
        }

        var detail = $"refused a second job with the same {(job.MessageId is null ? "idempotency key" : "message id")} and a different " +
                     $"{string.Join(", ", differences)}; that job was not sent";
        LogRefused(kept.Id, detail);
        await store.UpdateAsync(kept.AgentId, kept.Id, m => m.Note(time.GetUtcNow(), detail), cancellationToken);
        return true;
    }

    private static VoiceMessageRejectedException Rejected(Dictionary<string, string[]> errors) =>
        new("Invalid voice message job: " + VoiceMessageValidator.Describe(errors));

    [LoggerMessage(Level = LogLevel.Information, Message = "Message {MessageId} for agent {AgentId} created from its queue job")]
    private partial void LogCreatedFromJob(string messageId, string agentId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Message {MessageId}: {Detail}")]
    private partial void LogRefused(string messageId, string detail);
}

/// <summary>How taking a message through the API ended.</summary>
public abstract record MessageSubmission
{
    private MessageSubmission()
    {
    }

    public sealed record NoSuchAgent : MessageSubmission;

    /// <summary>Every bad field, camelCase as in the JSON.</summary>
    public sealed record Invalid(Dictionary<string, string[]> Errors) : MessageSubmission;

    /// <summary>The message (new, or the one a retry with the same idempotency key refers to) is recorded and queued.</summary>
    public sealed record Accepted(VoiceMessage Message) : MessageSubmission;

    /// <summary>The idempotency key was used for a message with other <see cref="Differences"/>; that one is kept.</summary>
    public sealed record KeyReused(VoiceMessage Kept, IReadOnlyList<string> Differences) : MessageSubmission;

    /// <summary>The queue did not take the job; nothing is kept.</summary>
    public sealed record NotQueued(string Detail) : MessageSubmission;
}
