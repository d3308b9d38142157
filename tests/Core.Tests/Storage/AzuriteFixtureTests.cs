using AgentOS.Voice.TestSupport;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;

namespace AgentOS.Voice.Core.Tests.Storage;

public class AzuriteFixtureTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task Blobs_queues_and_tables_all_answer()
    {
        var blobs = new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient("probe");
        await blobs.CreateIfNotExistsAsync();
        await blobs.UploadBlobAsync("a.txt", BinaryData.FromString("hi"));

        var queue = new QueueServiceClient(azurite.ConnectionString).GetQueueClient("probe");
        await queue.CreateIfNotExistsAsync();
        await queue.SendMessageAsync("m");

        var table = new TableServiceClient(azurite.ConnectionString).GetTableClient("probe");
        await table.CreateIfNotExistsAsync();
        await table.AddEntityAsync(new TableEntity("p", "r"));

        Assert.Equal("hi", (await blobs.GetBlobClient("a.txt").DownloadContentAsync()).Value.Content.ToString());
        Assert.Equal("m", (await queue.ReceiveMessageAsync()).Value.MessageText);
        Assert.Equal("r", (await table.GetEntityAsync<TableEntity>("p", "r")).Value.RowKey);
    }
}
