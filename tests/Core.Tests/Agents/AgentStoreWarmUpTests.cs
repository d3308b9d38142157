using AgentOS.Voice.Agents;
using AgentOS.Voice.Storage;
using AgentOS.Voice.TestSupport;
using Azure.Data.Tables;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AgentOS.Voice.Core.Tests.Agents;

public class AgentStoreWarmUpTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task Starting_the_app_makes_the_first_storage_round_trip_before_any_call_asks_for_an_agent()
    {
        var prefix = "w" + Guid.NewGuid().ToString("n")[..10];
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = azurite.ConnectionString,
            ["Storage:NamePrefix"] = prefix,
        });
        builder.Services.AddAgentOsStorage(builder.Configuration);
        builder.Services.AddAgents();
        using var host = builder.Build();

        await host.StartAsync();
        var tables = new TableServiceClient(azurite.ConnectionString);
        await Eventually.True(
            async () => await tables.QueryAsync(t => t.Name == prefix + TableAgentStore.TableName).AnyAsync(),
            "the agents table, created by the warm-up at start", timeoutSeconds: 10);

        await host.StopAsync();
    }

    [Fact]
    public async Task Storage_that_fails_at_start_is_a_warning_not_a_failed_start()
    {
        var logger = new ListLogger<AgentStoreWarmUp>();
        var warmUp = new AgentStoreWarmUp(new UnreachableStore(), logger);

        await warmUp.StartingAsync(CancellationToken.None);
        await warmUp.StopAsync(CancellationToken.None);

        Assert.Contains(logger.Warnings, w => w.Contains("storage account unreachable"));
    }

    private sealed class UnreachableStore : IAgentStore
    {
        public Task<Agent?> GetAsync(string agentId, CancellationToken cancellationToken = default) =>
            Task.FromException<Agent?>(new HttpRequestException("storage account unreachable"));

        public Task<IReadOnlyList<Agent>> ListAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<Agent> CreateAsync(Agent agent, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<Agent?> UpdateAsync(Agent agent, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<bool> DeleteAsync(string agentId, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}
