using Azure.Data.Tables;

namespace AgentOS.Voice.Messages;

public sealed partial class TableVoiceMessageStore
{
    /// <summary>
    /// Messages on a call (calling, in-progress) whose row was last written before <paramref name="writtenBefore"/>
    /// (the table's own Timestamp), at most <paramref name="max"/>, for the reconciler. The table is keyed by agent and
    /// message, not by state, so this is a filtered query the service runs over the table: it returns only the matching
    /// rows, and stops at <paramref name="max"/>.
    /// </summary>
    public IAsyncEnumerable<VoiceMessage> FindStuckAsync(DateTimeOffset writtenBefore, int max, CancellationToken cancellationToken = default)
    {
        var filter = TableClient.CreateQueryFilter(
            $"(State eq {MessageState.Calling.Name()} or State eq {MessageState.InProgress.Name()}) and Timestamp lt {writtenBefore}");
        return _table.QueryAsync(filter, Math.Min(max, 1000), cancellationToken).Take(max).Select(FromEntity);
    }
}
