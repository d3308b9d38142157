using AgentOS.Voice.Calls;
using AgentOS.Voice.Storage;
using AgentOS.Voice.TestSupport;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AgentOS.Voice.Core.Tests.Calls;

/// <summary>The background recorder against a real Azurite that is frozen while rows arrive.</summary>
public sealed class CallRecorderOutageTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task Rows_taken_while_storage_is_frozen_are_retried_written_in_full_and_flushed_before_stop()
    {
        // One-second deadlines and no SDK retries: the recorder's own retries are what is tested.
        var store = new TableCallStore(
            new TableServiceClient(azurite.ConnectionString, new TableClientOptions { Retry = { NetworkTimeout = TimeSpan.FromSeconds(1), MaxRetries = 0 } }),
            Options.Create(new StorageOptions { NamePrefix = "r" + Guid.NewGuid().ToString("n")[..8] }),
            NullLogger<TableCallStore>.Instance);
        var log = new ListLogger<BackgroundCallRecorder>();
        var recorder = new BackgroundCallRecorder(store, log, Options.Create(new CallRecorderOptions
        {
            Writers = 2,
            WriteDelay = TimeSpan.Zero,
            RetryFirstDelay = TimeSpan.FromMilliseconds(50),
            RetryMaxDelay = TimeSpan.FromMilliseconds(200),
            AttemptTimeout = TimeSpan.FromSeconds(1),
        }), TimeProvider.System);
        await recorder.StartAsync(CancellationToken.None);
        // The table exists before the outage, as it does in production.
        await store.UpsertCallAsync(Call("warm-up"));

        var ids = Enumerable.Range(0, 40).Select(i => $"outage-{i:00}").ToList();
        azurite.Freeze();
        try
        {
            foreach (var id in ids)
            {
                recorder.Record(Call(id));
                recorder.Record(new TranscriptTurn { CallId = id, Index = 0, Role = TurnRole.Caller, Text = "hello", At = DateTimeOffset.UnixEpoch });
            }

            await Eventually.True(() => log.Warnings.Any(w => w.Contains("will be retried")), "a write to fail for the outage");
        }
        finally
        {
            azurite.Thaw();
        }

        Assert.Equal(0, await recorder.FlushAsync(TimeSpan.FromSeconds(60), CancellationToken.None));
        await recorder.StopAsync(CancellationToken.None);

        Assert.Equal(0, recorder.Dropped);
        foreach (var id in ids)
        {
            Assert.NotNull(await store.GetCallAsync(id));
        }
    }

    private static CallRecord Call(string id) => new()
    {
        CallId = id, AgentId = "front-desk", Direction = "inbound", From = "+14155550123", To = "+14155550100",
        StartedAt = DateTimeOffset.UnixEpoch,
    };
}
