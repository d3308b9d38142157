using Azure;
using Azure.Data.Tables;
using AgentOS.Voice.Storage;
using AgentOS.Voice.Webhooks;
using Microsoft.Extensions.Options;

namespace AgentOS.Voice.Agents;

/// <summary>
/// Agents in Table Storage, table <c>{NamePrefix}agents</c>, one row per agent. Updates are conditional on the ETag
/// read just before, so two concurrent edits cannot silently overwrite each other.
/// </summary>
public sealed class TableAgentStore(TableServiceClient tables, IOptions<StorageOptions> options, TimeProvider time) : IAgentStore
{
    public const string TableName = "agents";

    private readonly LazyTableClient _table = new(tables, options.Value, TableName);

    public async Task<Agent?> GetAsync(string agentId, CancellationToken cancellationToken = default)
    {
        var row = await _table.FindAsync(AgentTableEntity.PartitionKey, agentId, cancellationToken);
        return row is null ? null : AgentTableEntity.FromEntity(row);
    }

    public async Task<IReadOnlyList<Agent>> ListAsync(CancellationToken cancellationToken = default)
    {
        var agents = new List<Agent>();
        await foreach (var entity in _table.QueryAsync(
                           TableClient.CreateQueryFilter($"PartitionKey eq {AgentTableEntity.PartitionKey}"), cancellationToken))
        {
            agents.Add(AgentTableEntity.FromEntity(entity));
        }

        return agents;
    }

    public async Task<Agent> CreateAsync(Agent agent, CancellationToken cancellationToken = default)
    {
        var table = await GetTableAsync(cancellationToken);
        var now = time.GetUtcNow();
        var stored = agent with { CreatedAt = now, UpdatedAt = now, WebhookSecret = agent.WebhookSecret ?? StandardWebhook.NewSecret() };
        try
        {
            await table.AddEntityAsync(AgentTableEntity.ToEntity(stored), cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            throw new AgentConflictException(agent.Id);
        }

        return stored;
    }

    public async Task<Agent?> UpdateAsync(Agent agent, CancellationToken cancellationToken = default)
    {
        var table = await GetTableAsync(cancellationToken);
        var current = await table.GetEntityIfExistsAsync<TableEntity>(AgentTableEntity.PartitionKey, agent.Id, cancellationToken: cancellationToken);
        if (!current.HasValue)
        {
            return null;
        }

        var existing = AgentTableEntity.FromEntity(current.Value!);
        // The API never carries the secret: an edit keeps the stored one unless it is a rotation that brings a new one.
        var stored = agent with
        {
            CreatedAt = existing.CreatedAt,
            UpdatedAt = time.GetUtcNow(),
            WebhookSecret = agent.WebhookSecret ?? existing.WebhookSecret ?? StandardWebhook.NewSecret(),
        };
        try
        {
            await table.UpdateEntityAsync(AgentTableEntity.ToEntity(stored), current.Value!.ETag, TableUpdateMode.Replace, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            throw new AgentConcurrencyException(agent.Id, e);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // Deleted between the read and the write.
            return null;
        }

        return stored;
    }

    public async Task<bool> DeleteAsync(string agentId, CancellationToken cancellationToken = default)
    {
        var table = await GetTableAsync(cancellationToken);
        var response = await table.DeleteEntityAsync(AgentTableEntity.PartitionKey, agentId, ETag.All, cancellationToken);
        return response.Status != 404;
    }

    private ValueTask<TableClient> GetTableAsync(CancellationToken cancellationToken) => _table.GetAsync(cancellationToken);
}
