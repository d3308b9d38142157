using AgentOS.Voice.Agents;
using AgentOS.Voice.Storage;
using AgentOS.Voice.TestSupport;
using System.Collections.Concurrent;
using Azure.Core;
using Azure.Core.Pipeline;
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
        var sent = new RecordedRequests();
        var tableOptions = new TableClientOptions();
        tableOptions.AddPolicy(sent, HttpPipelinePosition.PerCall);
        builder.Services.AddSingleton(new TableServiceClient(azurite.ConnectionString, tableOptions));
        builder.Services.AddAgents();
        using var host = builder.Build();

        await host.StartAsync();
        await Eventually.True(
            () => sent.Uris.Any(u => u.Contains($"{prefix}{TableAgentStore.TableName}(", StringComparison.Ordinal) &&
                                     u.Contains(AgentStoreWarmUp.NoSuchAgent, StringComparison.Ordinal)),
            "the warm-up's agent lookup, sent to storage at start", timeoutSeconds: 10);

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

    private sealed class RecordedRequests : HttpPipelineSynchronousPolicy
    {
        public ConcurrentQueue<string> Uris { get; } = new();

        public override void OnSendingRequest(HttpMessage message) => Uris.Enqueue(message.Request.Uri.ToString());
    }
}
