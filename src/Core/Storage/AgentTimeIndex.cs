using System.Globalization;
using System.Text;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;

namespace AgentOS.Voice.Storage;

/// <summary>
/// An index table listing an agent's calls or messages newest first: partition = agent id, row key = inverted ticks
/// of the item's time (19 digits) + "_" + item id, with the item's state as a column. "Newest first, from … to …,
/// after this token" is then one range query on one partition; a state filter is a column filter within that range.
/// Rows point at the records; the records stay the truth (see the stores' list methods).
/// </summary>
public sealed partial class AgentTimeIndex(TableServiceClient service, StorageOptions options, string tableName, ILogger logger)
{
    private const int TicksDigits = 19;
    private const string StateColumn = "State";
    private readonly LazyTableClient _table = new(service, options, tableName);

    public static string RowKey(DateTimeOffset at, string id) => Inverted(at) + "_" + id;

    /// <summary>The continuation token a page ends with: the last row key it covered, so the next page starts after it.</summary>
    public static string TokenFor(string rowKey) => Convert.ToBase64String(Encoding.UTF8.GetBytes(rowKey)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The row key a continuation token holds; false when it is not one this index made.</summary>
    public static bool TryReadToken(string token, out string rowKey)
    {
        rowKey = string.Empty;
        var base64 = token.Replace('-', '+').Replace('_', '/');
        base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
        Span<byte> bytes = stackalloc byte[200];
        if (token.Length > 250 || !Convert.TryFromBase64String(base64, bytes, out var written))
        {
            return false;
        }

        var text = Encoding.UTF8.GetString(bytes[..written]);
        if (text.Length < TicksDigits + 2 || text[TicksDigits] != '_' || text.AsSpan(0, TicksDigits).ContainsAnyExceptInRange('0', '9')
            || text.AsSpan(TicksDigits + 1).ContainsAny(['/', '\\', '#', '?', '\'']) || text.Any(char.IsControl))
        {
            return false;
        }

        rowKey = text;
        return true;
    }

    /// <summary>When the item whose row this is happened.</summary>
    public static DateTimeOffset TimeOf(string rowKey) =>
        new(DateTimeOffset.MaxValue.UtcTicks - long.Parse(rowKey.AsSpan(0, TicksDigits), CultureInfo.InvariantCulture), TimeSpan.Zero);

    public static string IdOf(string rowKey) => rowKey[(TicksDigits + 1)..];

    /// <summary>
    /// Files the item (or updates its state). A failure is logged, not thrown: the record's own write is what the caller
    /// depends on (a message's claim, a call's end), and an item missed here is filed again by its next write.
    /// </summary>
    public async Task UpsertAsync(string agentId, DateTimeOffset at, string id, string state, CancellationToken cancellationToken)
    {
        try
        {
            var table = await _table.GetAsync(cancellationToken);
            await table.UpsertEntityAsync(new TableEntity(agentId, RowKey(at, id)) { [StateColumn] = state }, TableUpdateMode.Replace, cancellationToken);
        }
        catch (Exception e) when (e is RequestFailedException or HttpRequestException)
        {
            LogIndexFailed(e, tableName, agentId, id);
        }
    }

    public async Task DeleteAsync(string agentId, string rowKey, CancellationToken cancellationToken)
    {
        var table = await _table.GetAsync(cancellationToken);
        try
        {
            await table.DeleteEntityAsync(agentId, rowKey, ETag.All, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // Someone else tidied it first.
        }
    }

    /// <summary>
    /// Up to <see cref="ListQuery.Limit"/> row keys of the agent's items, newest first, with the token of the next page
    /// (null when this is the last).
    /// </summary>
    public async Task<(IReadOnlyList<string> RowKeys, string? Next)> QueryAsync(
        string agentId, ListQuery query, string? state, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {agentId}");
        if (query.After is { } after)
        {
            filter += " and " + TableClient.CreateQueryFilter($"RowKey gt {after}");
        }

        // Newer than `to` sorts before it; `from` is inclusive, so everything up to the next tick's key is in.
        if (query.To is { } to)
        {
            filter += " and " + TableClient.CreateQueryFilter($"RowKey ge {Inverted(to, 1)}");
        }

        if (query.From is { } from)
        {
            filter += " and " + TableClient.CreateQueryFilter($"RowKey lt {Inverted(from, 1)}");
        }

        if (state is not null)
        {
            filter += " and " + TableClient.CreateQueryFilter($"State eq {state}");
        }

        // One row past the page tells whether there is a next page without a second query.
        var keys = new List<string>(query.Limit + 1);
        await foreach (var row in _table.QueryAsync(filter, query.Limit + 1, cancellationToken))
        {
            keys.Add(row.RowKey);
            if (keys.Count > query.Limit)
            {
                break;
            }
        }

        if (keys.Count <= query.Limit)
        {
            return (keys, null);
        }

        keys.RemoveAt(query.Limit);
        return (keys, TokenFor(keys[^1]));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Index {Table}: agent {AgentId}'s item {Id} not filed; it is listed after its next write")]
    private partial void LogIndexFailed(Exception e, string table, string agentId, string id);

    private static string Inverted(DateTimeOffset at, long add = 0) =>
        (DateTimeOffset.MaxValue.UtcTicks - at.UtcTicks + add).ToString("D" + TicksDigits, CultureInfo.InvariantCulture);
}

/// <summary>
/// One page request of a list: at most <see cref="Limit"/> items, after the row key a continuation token held,
/// from (inclusive) and to (exclusive) bounding the items' time.
/// </summary>
public sealed record ListQuery(int Limit, string? After = null, DateTimeOffset? From = null, DateTimeOffset? To = null)
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 100;
}

/// <summary>A page of a list, newest first, and the token for the next (null on the last page).</summary>
public sealed record ListPage<T>(IReadOnlyList<T> Items, string? ContinuationToken);
