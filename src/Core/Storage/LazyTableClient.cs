using Azure.Data.Tables;

namespace AgentOS.Voice.Storage;

/// <summary>
/// A table that is created on first use, once per process: creating it on every call would cost a round trip each
/// time, and at start-up storage may not be reachable yet. A failed creation is tried again by the next caller.
/// </summary>
public sealed class LazyTableClient(TableClient table)
{
    private readonly SemaphoreSlim _createLock = new(1, 1);
    private volatile bool _created;

    public LazyTableClient(TableServiceClient service, StorageOptions options, string tableName)
        : this(service.GetPrefixedTableClient(options, tableName))
    {
    }

    /// <summary>
    /// The table without creating it, for reads: before the first write there is no table, and a read of it answers
    /// 404, which a reader takes as "nothing there". Creating it on a read would put a round trip on a cold start's
    /// first incoming call.
    /// </summary>
    public TableClient ForReads => table;

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
