using AgentOS.Voice.Agents;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace AgentOS.Voice.Storage;

/// <summary>
/// Readiness: can this replica reach Table Storage, where every call starts (the agent)? One single-row read of the
/// agents table; a missing table still proves the account answers. Not used for liveness, so a storage outage takes
/// replicas out of rotation without restarting the calls they hold.
/// </summary>
internal sealed class StorageHealthCheck(TableServiceClient tables, IOptions<StorageOptions> options) : IHealthCheck
{
    public const string Name = "storage";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            var table = tables.GetPrefixedTableClient(options.Value, TableAgentStore.TableName);
            await foreach (var _ in table.QueryAsync<TableEntity>(maxPerPage: 1, select: ["PartitionKey"], cancellationToken: timeout.Token).AsPages(pageSizeHint: 1))
            {
                break;
            }

            return HealthCheckResult.Healthy();
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return HealthCheckResult.Healthy("the agents table does not exist yet; the account answers");
        }
        catch (Exception e) when (e is RequestFailedException or OperationCanceledException or AggregateException or HttpRequestException)
        {
            return HealthCheckResult.Unhealthy($"Table Storage unreachable: {e.Message}");
        }
    }
}
