using System.Globalization;
using AgentOS.Voice.Storage;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;

namespace AgentOS.Voice.Messages;

/// <summary>
/// Why jobs that name no message record were given up (unreadable, invalid, for an unknown agent): table
/// <c>{NamePrefix}poisonedjobs</c>, partition = queue, row = the queue message's id, with the reason, the time and the
/// job's text. The job itself is in the queue's poison queue; this is where an operator reads why, which a queue
/// message cannot carry. Jobs whose record exists get the reason on the record instead.
/// </summary>
public sealed class PoisonedJobs(TableServiceClient tables, IOptions<StorageOptions> options)
{
    public const string TableName = "poisonedjobs";

    // A string column holds 32K characters; the whole job is in the poison queue.
    private const int MaxJobChars = 30_000;

    private readonly LazyTableClient _table = new(tables, options.Value, TableName);

    public async Task AddAsync(string queueName, string queueMessageId, string jobText, string reason, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        var table = await _table.GetAsync(cancellationToken);
        await table.UpsertEntityAsync(new TableEntity(queueName, Key(queueMessageId))
        {
            ["At"] = at,
            ["Reason"] = reason,
            ["Job"] = jobText.Length <= MaxJobChars ? jobText : jobText[..MaxJobChars],
        }, TableUpdateMode.Replace, cancellationToken);
    }

    // Queue message ids are GUIDs; anything Table Storage forbids in a key is escaped rather than failing the write.
    private static string Key(string id) => string.Concat(id.Select(c => c is '/' or '\\' or '#' or '?' || char.IsControl(c)
        ? "%" + ((int)c).ToString("X2", CultureInfo.InvariantCulture)
        : c.ToString()));
}
