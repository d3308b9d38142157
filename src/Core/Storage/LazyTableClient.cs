using System.Runtime.CompilerServices;
using Azure;
using Azure.Data.Tables;

namespace AgentOS.Voice.Storage;

/// <summary>
/// A table that is created by its first write, once per process: creating it on every call would cost a round trip
/// each time, and at start-up storage may not be reachable yet. A failed creation is tried again by the next caller.
/// Reads never create it: before the first write there is no table, a read of it answers 404, and that reads as
/// "nothing there". Creating it on a read would put a round trip on a cold start's first call.
/// </summary>
public sealed class LazyTableClient(TableClient table)
{
    private readonly SemaphoreSlim _createLock = new(1, 1);
    private volatile bool _created;

    public LazyTableClient(TableServiceClient service, StorageOptions options, string tableName)
        : this(service.GetPrefixedTableClient(options, tableName))
    {
    }

    /// <summary>The row, or null when it, or the whole table, does not exist yet.</summary>
    public async Task<TableEntity?> FindAsync(string partitionKey, string rowKey, CancellationToken cancellationToken = default)
    {
        try
        {
            var row = await table.GetEntityIfExistsAsync<TableEntity>(partitionKey, rowKey, cancellationToken: cancellationToken);
            return row.HasValue ? row.Value : null;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    /// <summary>The rows <paramref name="filter"/> selects; none when the table does not exist yet.</summary>
    public IAsyncEnumerable<TableEntity> QueryAsync(string filter, CancellationToken cancellationToken = default) =>
        QueryAsync(filter, null, cancellationToken);

    /// <summary>As above, fetching at most <paramref name="maxPerPage"/> rows a round trip (for callers that stop early).</summary>
    public async IAsyncEnumerable<TableEntity> QueryAsync(string filter, int? maxPerPage, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var rows = table.QueryAsync<TableEntity>(filter, maxPerPage, cancellationToken: cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            bool more;
            try
            {
                more = await rows.MoveNextAsync();
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                more = false;
            }

            if (!more)
            {
                yield break;
            }

            yield return rows.Current;
        }
    }

    /// <summary>The table for a write, created first if this process has not created it yet.</summary>
    public async ValueTask<TableClient> GetAsync(CancellationToken cancellationToken = default)
    {
        if (_created)
        {
            return table;
        }

        await _createLock.WaitAsync(cancellationToken);
        try
        {
            if (!_created)
            {
                await table.CreateIfNotExistsAsync(cancellationToken);
                _created = true;
            }

            return table;
        }
        finally
        {
            _createLock.Release();
        }
    }
}
