namespace AgentOS.Voice.Messages;

/// <summary>Message records. Every write after the first is conditional on the record's ETag.</summary>
public interface IVoiceMessageStore
{
    /// <summary>Adds the record, or returns the one already stored under its id (<c>Created</c> false) untouched.</summary>
    Task<(VoiceMessage Message, bool Created)> AddAsync(VoiceMessage message, CancellationToken cancellationToken = default);

    Task<VoiceMessage?> GetAsync(string agentId, string messageId, CancellationToken cancellationToken = default);

    /// <summary>Writes the record if nobody changed it since it was read (its ETag); null when someone did, or it is gone.</summary>
    Task<VoiceMessage?> TryReplaceAsync(VoiceMessage message, CancellationToken cancellationToken = default);

    /// <summary>A page of the agent's messages created in the query's range, newest first, in <paramref name="state"/> when given.</summary>
    Task<Storage.ListPage<VoiceMessage>> ListAsync(string agentId, Storage.ListQuery query, MessageState? state, CancellationToken cancellationToken = default);

    /// <summary>Removes a record nothing else has seen yet (undoing a create whose queue message could not be sent).</summary>
    Task DeleteAsync(VoiceMessage message, CancellationToken cancellationToken = default);
}

public static class VoiceMessageStoreExtensions
{
    /// <summary>
    /// Read, change, write conditionally, and start over when someone else wrote in between. <paramref name="change"/>
    /// sees the current record and returns the new one, or null to leave it as it is. Returns the record as it stands
    /// afterwards, or null when there is no such record.
    /// </summary>
    public static async Task<VoiceMessage?> UpdateAsync(
        this IVoiceMessageStore store, string agentId, string messageId, Func<VoiceMessage, VoiceMessage?> change, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var current = await store.GetAsync(agentId, messageId, cancellationToken);
            if (current is null)
            {
                return null;
            }

            var changed = change(current);
            if (changed is null)
            {
                return current;
            }

            if (await store.TryReplaceAsync(changed, cancellationToken) is { } written)
            {
                return written;
            }
        }
    }
}
