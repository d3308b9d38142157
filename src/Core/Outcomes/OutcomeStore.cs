using System.Text.Json;
using AgentOS.Voice.Storage;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Options;

namespace AgentOS.Voice.Outcomes;

/// <summary>
/// Outcomes as made: the whole payload in blob container <c>{prefix}outcomes</c> (<c>{agentId}/{kind}-{id}.json</c>,
/// created at most once, which is what makes an outcome "made once"), and one row per outcome in table
/// <c>{prefix}outcomes</c> (partition = agent) with the figures the analytics read.
/// </summary>
public sealed class OutcomeStore(BlobServiceClient blobs, TableServiceClient tables, IOptions<StorageOptions> storage)
{
    public const string Name = "outcomes";
    private const string DispatchedMetadata = "dispatched";

    private readonly BlobContainerClient _container = blobs.GetBlobContainerClient(storage.Value.Prefixed(Name));
    private readonly LazyTableClient _table = new(tables, storage.Value, Name);
    private volatile bool _containerCreated;

    public static string Key(string kind, string id) => $"{kind}-{id}";

    /// <summary>The stored outcome and whether it was handed to delivery; null when none was made yet.</summary>
    public async Task<(CallOutcome Outcome, bool Dispatched)?> GetAsync(string agentId, string kind, string id, CancellationToken cancellationToken)
    {
        await EnsureContainerAsync(cancellationToken);
        try
        {
            var blob = Blob(agentId, kind, id);
            var content = await blob.DownloadContentAsync(cancellationToken);
            var outcome = content.Value.Content.ToObjectFromJson(OutcomeJson.Default.CallOutcome)!;
            return (outcome, content.Value.Details.Metadata.TryGetValue(DispatchedMetadata, out var d) && d == "true");
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    /// <summary>Stores <paramref name="outcome"/> unless one was made for its id already; false then.</summary>
    public async Task<bool> TryAddAsync(CallOutcome outcome, string kind, CancellationToken cancellationToken)
    {
        await EnsureContainerAsync(cancellationToken);
        try
        {
            await Blob(outcome.AgentId, kind, outcome.Id).UploadAsync(
                BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(outcome, OutcomeJson.Default.CallOutcome)),
                new BlobUploadOptions
                {
                    HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" },
                    Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
                },
                cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            return false;
        }
    }

    /// <summary>Writes the analytics row (idempotent: the same outcome gives the same row).</summary>
    public async Task UpsertRowAsync(CallOutcome outcome, string kind, CancellationToken cancellationToken)
    {
        var table = await _table.GetAsync(cancellationToken);
        await table.UpsertEntityAsync(new TableEntity(outcome.AgentId, Key(kind, outcome.Id))
        {
            ["Kind"] = kind,
            ["Status"] = outcome.Status,
            ["EndReason"] = outcome.EndReason,
            ["EndedAt"] = outcome.EndedAt,
            ["DurationSeconds"] = outcome.DurationSeconds,
            ["AnsweredBy"] = outcome.AnsweredBy,
            ["HandedOff"] = outcome.Handoff is not null,
            ["Interruptions"] = outcome.Interruptions,
            ["FirstTokenMs"] = JsonSerializer.Serialize(outcome.FirstTokenSamples?.ToList() ?? [], OutcomeJson.Default.ListDouble),
            ["ToolCalls"] = outcome.Tools.Calls,
            ["ToolFailures"] = outcome.Tools.Failures,
            ["ToolMs"] = JsonSerializer.Serialize(outcome.Transcript.Where(t => t.ToolMs is not null).Select(t => t.ToolMs!.Value).ToList(), OutcomeJson.Default.ListDouble),
            ["CostTotal"] = (double)outcome.Cost.Total,
            ["Currency"] = outcome.Cost.Currency,
        }, TableUpdateMode.Replace, cancellationToken);
    }

    public Task MarkDispatchedAsync(string agentId, string kind, string id, CancellationToken cancellationToken) =>
        Blob(agentId, kind, id).SetMetadataAsync(new Dictionary<string, string> { [DispatchedMetadata] = "true" }, cancellationToken: cancellationToken);

    /// <summary>The agent's analytics rows whose outcome ended in [from, to).</summary>
    public IAsyncEnumerable<TableEntity> QueryAsync(string agentId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken) =>
        _table.QueryAsync(TableClient.CreateQueryFilter($"PartitionKey eq {agentId} and EndedAt ge {from} and EndedAt lt {to}"), cancellationToken);

    private BlobClient Blob(string agentId, string kind, string id) => _container.GetBlobClient($"{agentId}/{Key(kind, id)}.json");

    private async Task EnsureContainerAsync(CancellationToken cancellationToken)
    {
        if (!_containerCreated)
        {
            await _container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            _containerCreated = true;
        }
    }
}
