using AgentOS.Voice.Messages;
using AgentOS.Voice.Storage;
using AgentOS.Voice.TestSupport;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AgentOS.Voice.Core.Tests.Messages;

public sealed class TableVoiceMessageStoreTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private TableVoiceMessageStore Store() =>
        new(new TableServiceClient(azurite.ConnectionString), Options.Create(new StorageOptions { NamePrefix = "msgstore" }), NullLogger<TableVoiceMessageStore>.Instance);

    private static VoiceMessage Message(string id) =>
        new VoiceMessage { Id = id, AgentId = "clinic", To = "+15551230000", Text = "Hello", CreatedAt = Now }.Transition(MessageState.Queued, Now);

    [Fact]
    public async Task Adding_the_same_id_twice_returns_the_first_record_unchanged()
    {
        var store = Store();

        var (first, created) = await store.AddAsync(Message("msg_add_1"));
        var (second, createdAgain) = await store.AddAsync(Message("msg_add_1") with { Text = "Other words" });

        Assert.True(created);
        Assert.False(createdAgain);
        Assert.Equal("Hello", second.Text);
        Assert.Equal(first.ETag, second.ETag);
    }

    [Fact]
    public async Task A_write_based_on_a_stale_read_is_refused_so_only_one_claim_wins()
    {
        var store = Store();
        var (message, _) = await store.AddAsync(Message("msg_claim_1"));

        var winner = await store.TryReplaceAsync(message.Transition(MessageState.Calling, Now, "worker A"));
        var loser = await store.TryReplaceAsync(message.Transition(MessageState.Calling, Now, "worker B"));

        Assert.NotNull(winner);
        Assert.Null(loser);
        var stored = await store.GetAsync("clinic", "msg_claim_1");
        Assert.Equal(MessageState.Calling, stored!.State);
        Assert.Equal("worker A", stored.History[^1].Detail);
    }

    [Fact]
    public async Task Update_retries_on_conflict_and_keeps_both_changes()
    {
        var store = Store();
        var (message, _) = await store.AddAsync(Message("msg_update_1"));
        var interfered = false;

        var result = await store.UpdateAsync("clinic", "msg_update_1", m =>
        {
            if (!interfered)
            {
                interfered = true;
                // Someone else writes between this read and its write.
                Assert.NotNull(store.TryReplaceAsync(m with { CallSid = "CA1" }).GetAwaiter().GetResult());
            }

            return m.Note(Now, "noted");
        });

        Assert.Equal("CA1", result!.CallSid);
        Assert.Equal("noted", result.History[^1].Detail);
        Assert.Null(await store.UpdateAsync("clinic", "msg_missing", m => m));
        Assert.Null(await store.GetAsync("clinic", "bad/id"));
    }
}
