using System.Text.Json;
using AgentOS.Voice.Storage;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentOS.Voice.Messages;

/// <summary>
/// Messages in table <c>{NamePrefix}messages</c>: partition = agent id, row = message id. State and call SID are
/// columns of their own (for the portal and queries); the whole record, history included, is one JSON column. Each
/// agent's messages are listed newest first through the index table <c>{NamePrefix}messagesbyagent</c>
/// (<see cref="AgentTimeIndex"/>, keyed by the message's creation, its state a column): message ids made from an
/// idempotency key are hashes, so the message table's own order is not time.
/// </summary>
public sealed partial class TableVoiceMessageStore(TableServiceClient tables, IOptions<StorageOptions> options, ILogger<TableVoiceMessageStore> logger) : IVoiceMessageStore
{
    public const string TableName = "messages";
    public const string IndexTableName = "messagesbyagent";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly LazyTableClient _table = new(tables, options.Value, TableName);
    private readonly AgentTimeIndex _index = new(tables, options.Value, IndexTableName, logger);

    public async Task<(VoiceMessage Message, bool Created)> AddAsync(VoiceMessage message, CancellationToken cancellationToken = default)
    {
        var table = await GetTableAsync(cancellationToken);
        try
        {
            var response = await table.AddEntityAsync(ToEntity(message), cancellationToken);
            await IndexAsync(message, cancellationToken);
            return (message with { ETag = response.Headers.ETag?.ToString() }, true);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            var existing = await GetAsync(message.AgentId, message.Id, cancellationToken)
                           ?? throw new InvalidOperationException($"Message {message.Id} exists and vanished while being read.", e);

            // A retried create also mends the index row a crash after the first create's record may have left out.
            await IndexAsync(existing, cancellationToken);
            return (existing, false);
        }
    }

    /// <summary>
    /// Records, not index rows, decide what is listed: a row whose record is gone or is in another state (its write
    /// came after the record's and did not happen) is skipped. A page may so hold fewer than the limit even when more
    /// follow; the continuation token says whether they do.
    /// </summary>
    public async Task<ListPage<VoiceMessage>> ListAsync(string agentId, ListQuery query, MessageState? state, CancellationToken cancellationToken = default)
    {
        var (keys, next) = await _index.QueryAsync(agentId, query, state?.Name(), cancellationToken);
        var found = await Task.WhenAll(keys.Select(key => GetAsync(agentId, AgentTimeIndex.IdOf(key), cancellationToken)));
        return new ListPage<VoiceMessage>(found.OfType<VoiceMessage>().Where(m => state is null || m.State == state).ToList(), next);
    }

    public async Task<VoiceMessage?> GetAsync(string agentId, string messageId, CancellationToken cancellationToken = default)
    {
        if (!MessageIds.IsValid(messageId) || string.IsNullOrEmpty(agentId))
        {
            return null;
        }

        var row = await _table.FindAsync(agentId, messageId, cancellationToken);
        return row is null ? null : FromEntity(row);
    }

    public async Task<VoiceMessage?> TryReplaceAsync(VoiceMessage message, CancellationToken cancellationToken = default)
    {
        if (message.ETag is null)
        {
            throw new ArgumentException("Only a record that was read (and so has an ETag) can be replaced.", nameof(message));
        }

        var table = await GetTableAsync(cancellationToken);
        try
        {
            var response = await table.UpdateEntityAsync(ToEntity(message), new ETag(message.ETag), TableUpdateMode.Replace, cancellationToken);
            await IndexAsync(message, cancellationToken);
            return message with { ETag = response.Headers.ETag?.ToString() };
        }
        catch (RequestFailedException e) when (e.Status is 412 or 404)
        {
            return null;
        }
    }

    public async Task DeleteAsync(VoiceMessage message, CancellationToken cancellationToken = default)
    {
        var table = await GetTableAsync(cancellationToken);
        await table.DeleteEntityAsync(message.AgentId, message.Id, message.ETag is null ? ETag.All : new ETag(message.ETag), cancellationToken);
        await _index.DeleteAsync(message.AgentId, AgentTimeIndex.RowKey(message.CreatedAt, message.Id), cancellationToken);
    }

    private Task IndexAsync(VoiceMessage message, CancellationToken cancellationToken) =>
        _index.UpsertAsync(message.AgentId, message.CreatedAt, message.Id, message.State.Name(), cancellationToken);

    private static TableEntity ToEntity(VoiceMessage message) => new(message.AgentId, message.Id)
    {
        ["State"] = message.State.Name(),
        ["CallSid"] = message.CallSid,
        ["Record"] = JsonSerializer.Serialize(message, Json),
    };

    private static VoiceMessage FromEntity(TableEntity entity) =>
        (JsonSerializer.Deserialize<VoiceMessage>(entity.GetString("Record"), Json)
         ?? throw new InvalidDataException($"Message row {entity.PartitionKey}/{entity.RowKey} holds no record."))
        with { ETag = entity.ETag.ToString() };

    private ValueTask<TableClient> GetTableAsync(CancellationToken cancellationToken) => _table.GetAsync(cancellationToken);
}
