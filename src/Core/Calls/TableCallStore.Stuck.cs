using Azure;
using Azure.Data.Tables;

namespace AgentOS.Voice.Calls;

public sealed partial class TableCallStore
{
    // When the reconciler last found the call still live at Twilio: the write moves the row's Timestamp on, so a long
    // call is looked at again only after another StuckAfter, and the records behind it get their turn.
    private const string CheckedAtColumn = "CheckedAt";

    /// <summary>
    /// Call records in progress whose row was last written before <paramref name="writtenBefore"/> (the table's own
    /// Timestamp), at most <paramref name="max"/>, for the reconciler. The table is partitioned by call id, so this is
    /// a filtered query the service runs over the table; it returns only the matching rows and stops at <paramref name="max"/>.
    /// </summary>
    public IAsyncEnumerable<CallRecord> FindStuckAsync(DateTimeOffset writtenBefore, int max, CancellationToken cancellationToken = default)
    {
        var filter = TableClient.CreateQueryFilter(
            $"RowKey eq {CallRow} and State eq {nameof(CallState.InProgress)} and Timestamp lt {writtenBefore}");
        return _table.QueryAsync(filter, Math.Min(max, 1000), cancellationToken).Take(max).Select(row => FromEntity(row.PartitionKey, row));
    }

    /// <summary>Notes that the call was found still live; a record changed or removed meanwhile is left as it is.</summary>
    public async Task MarkCheckedAsync(string callId, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        var table = await _table.GetAsync(cancellationToken);
        var stored = await _table.FindAsync(callId, CallRow, cancellationToken);
        if (stored is null || stored.GetString("State") != nameof(CallState.InProgress))
        {
            return;
        }

        try
        {
            await table.UpdateEntityAsync(new TableEntity(callId, CallRow) { [CheckedAtColumn] = at }, stored.ETag, TableUpdateMode.Merge, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            // Written meanwhile: its Timestamp moved on anyway.
        }
    }
}
