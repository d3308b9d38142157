using AgentOS.Voice.Events;
using AgentOS.Voice.Storage;

namespace AgentOS.Voice.Messages;

/// <summary>
/// Publishes the <c>message.*</c> state events (docs/events.md) from the one place every change of a message goes
/// through: its create and its conditional replace. Callers (dispatcher, webhooks, API) need no publish calls of their
/// own, so none can be missed, and an event follows only a write that happened, once: a retried or no-op write changes
/// nothing and publishes nothing.
/// </summary>
public sealed class EventPublishingVoiceMessageStore(IVoiceMessageStore inner, VoiceEventPublisher publisher, TimeProvider time) : IVoiceMessageStore
{
    public async Task<(VoiceMessage Message, bool Created)> AddAsync(VoiceMessage message, CancellationToken cancellationToken = default)
    {
        var (stored, created) = await inner.AddAsync(message, cancellationToken);
        if (created)
        {
            Publish(null, stored);
        }

        return (stored, created);
    }

    public Task<VoiceMessage?> GetAsync(string agentId, string messageId, CancellationToken cancellationToken = default) =>
        inner.GetAsync(agentId, messageId, cancellationToken);

    /// <summary>
    /// Reads the record first: the write is conditional on <paramref name="message"/>'s ETag, so when the write succeeds
    /// the record read with that same ETag is exactly the one replaced, and the events are the difference. One more
    /// point read per write, paid only with events on (a message sees a handful of writes).
    /// </summary>
    public async Task<VoiceMessage?> TryReplaceAsync(VoiceMessage message, CancellationToken cancellationToken = default)
    {
        var before = await inner.GetAsync(message.AgentId, message.Id, cancellationToken);
        if (before is null || before.ETag != message.ETag)
        {
            // Someone wrote since the caller read (or the record is gone): the conditional write would fail too.
            return null;
        }

        var written = await inner.TryReplaceAsync(message, cancellationToken);
        if (written is not null)
        {
            Publish(before, written);
        }

        return written;
    }

    public Task<ListPage<VoiceMessage>> ListAsync(string agentId, ListQuery query, MessageState? state, CancellationToken cancellationToken = default) =>
        inner.ListAsync(agentId, query, state, cancellationToken);

    public Task DeleteAsync(VoiceMessage message, CancellationToken cancellationToken = default) =>
        inner.DeleteAsync(message, cancellationToken);

    private void Publish(VoiceMessage? before, VoiceMessage after)
    {
        var now = time.GetUtcNow();
        foreach (var type in MessageStateEvents.Between(before, after))
        {
            publisher.Publish(VoiceEvent.ForMessage(type, after.AgentId, after.Id, now, MessageStateEvents.Data(after)));
        }
    }
}

/// <summary>Which <c>message.*</c> events a change of a record means, oldest first, and what they carry.</summary>
public static class MessageStateEvents
{
    /// <summary>The events between two versions of a record; <paramref name="before"/> null for a new one.</summary>
    public static IEnumerable<string> Between(VoiceMessage? before, VoiceMessage after)
    {
        if (before is null)
        {
            yield return VoiceEventTypes.MessageQueued;
        }

        if (before?.AudioBlob is null && after.AudioBlob is not null)
        {
            yield return VoiceEventTypes.MessageRendered;
        }

        if (before?.State != MessageState.Calling && after.State == MessageState.Calling)
        {
            yield return VoiceEventTypes.MessageCalling;
        }

        // Answered once when the call is picked up, and again when the answering-machine verdict (asynchronous) arrives
        // later or changes: the later one wins.
        var answeredBefore = before is not null && IsAnswered(before);
        if (IsAnswered(after) && (!answeredBefore || AnsweredBy(before!) != AnsweredBy(after)))
        {
            yield return VoiceEventTypes.MessageAnswered;
        }

        if (before?.RecordingUrl is null && after.RecordingUrl is not null)
        {
            yield return VoiceEventTypes.MessageRecorded;
        }

        // A failed message may still complete (a call we could not confirm turned out to exist): each end state counts.
        if (before?.State != after.State && after.State.IsFinal())
        {
            yield return after.State == MessageState.Completed ? VoiceEventTypes.MessageCompleted : VoiceEventTypes.MessageFailed;
        }
    }

    /// <summary>What every message.* event carries: the state now and what is known (docs/events.md).</summary>
    public static MessageStateData Data(VoiceMessage m) => new(
        m.State.Name(), m.To, m.CallSid, AnsweredBy(m),
        m.AudioBlob is null ? null : $"/api/agents/{m.AgentId}/messages/{m.Id}/audio",
        m.RecordingUrl is null ? null : $"/api/agents/{m.AgentId}/messages/{m.Id}/recording",
        m.RecordingDurationSeconds, m.Error?.Message);

    private static bool IsAnswered(VoiceMessage m) =>
        m.State is MessageState.InProgress or MessageState.Completed || m.AnsweredBy is not null;

    /// <summary>Twilio's verdict folded to <c>human</c> or <c>machine</c> (machine_start, machine_end_beep, …); others as given.</summary>
    private static string? AnsweredBy(VoiceMessage m) => m.AnsweredBy switch
    {
        null => null,
        var a when a.StartsWith("machine", StringComparison.Ordinal) => "machine",
        var a => a,
    };
}
