using AgentOS.Voice.Storage;
using AgentOS.Voice.TestSupport;
using Azure.Data.Tables;

namespace AgentOS.Voice.Core.Tests.Storage;

public class LazyTableClientTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task Reads_of_a_table_not_written_yet_find_nothing_and_do_not_create_it()
    {
        var name = "lazy" + Guid.NewGuid().ToString("n")[..10];
        var service = new TableServiceClient(azurite.ConnectionString);
        var table = new LazyTableClient(service.GetTableClient(name));

        Assert.Null(await table.FindAsync("p", "r"));
        Assert.Empty(await table.QueryAsync(TableClient.CreateQueryFilter($"PartitionKey eq {"p"}")).ToListAsync());
        Assert.Empty(await service.QueryAsync(t => t.Name == name).ToListAsync());

        await (await table.GetAsync()).AddEntityAsync(new TableEntity("p", "r") { ["Text"] = "first" });
        Assert.Equal("first", (await table.FindAsync("p", "r"))!.GetString("Text"));
        Assert.Null(await table.FindAsync("p", "missing"));
        Assert.Single(await table.QueryAsync(TableClient.CreateQueryFilter($"PartitionKey eq {"p"}")).ToListAsync());
    }
}
