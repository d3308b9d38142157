using System.Text.Json;
using AgentOS.Voice.Storage;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;

namespace AgentOS.Voice.Messages;

/// <summary>
/// Messages in table <c>{NamePrefix}messages</c>: partition = agent id, row = message id. State and call SID are
/// columns of their own (for the portal and queries); the whole record, history included, is one JSON column.
/// </summary>
public sealed class TableVoiceMessageStore(TableServiceClient tables, IOptions<StorageOptions> options) : IVoiceMessageStore
{
    public const string TableName = "messages";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly LazyTableClient _table = new(tables, options.Value, TableName);

    public async Task<(VoiceMessage Message, bool Created)> AddAsync(VoiceMessage message, CancellationToken cancellationToken = default)
    {
        var table = await GetTableAsync(cancellationToken);
        try
        {
            var response = await table.AddEntityAsync(ToEntity(message), cancellationToken);
            return (message with { ETag = response.Headers.ETag?.ToString() }, true);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            var existing = await GetAsync(message.AgentId, message.Id, cancellationToken)
                           ?? throw new InvalidOperationException($"Message {message.Id} exists and vanished while being read.", e);
            return (existing, false);
        }
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
    }

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
