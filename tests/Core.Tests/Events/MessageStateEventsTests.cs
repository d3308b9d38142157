using System.Text.Json;
using AgentOS.Voice.Events;
using AgentOS.Voice.Messages;
using AgentOS.Voice.Storage;
using AgentOS.Voice.TestSupport;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AgentOS.Voice.Core.Tests.Events;

/// <summary>
/// message.* events from the store's writes (Azurite), published through the Web PubSub stand-in and watched by a
/// client in the agent's group: the writes are the ones the dispatcher and the webhooks make.
/// </summary>
public sealed class MessageStateEventsTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 17, 0, 0, TimeSpan.Zero);

    private static string Type(JsonElement e) => e.GetProperty("type").GetString()!["agentos.voice.message.".Length..];

    private async Task<(PublisherHarness Harness, WebPubSubTestClient Watcher, IVoiceMessageStore Store)> StartAsync(string agentId)
    {
        var harness = await PublisherHarness.StartAsync();
        var watcher = await harness.ConnectAsync(EventGroups.Agent(agentId));
        await watcher.JoinAsync(EventGroups.Agent(agentId));
        await harness.Publisher.StartAsync(CancellationToken.None);
        var table = new TableVoiceMessageStore(new TableServiceClient(azurite.ConnectionString),
            Options.Create(new StorageOptions { NamePrefix = "msgevents" }), NullLogger<TableVoiceMessageStore>.Instance);
        return (harness, watcher, new EventPublishingVoiceMessageStore(table, harness.Publisher, new FakeTimeProvider(Now)));
    }

    private static VoiceMessage NewMessage(string agentId, string id) =>
        new VoiceMessage { Id = id, AgentId = agentId, To = "+15551230000", Text = "Hello", CreatedAt = Now }.Transition(MessageState.Queued, Now);

    [Fact]
    public async Task A_delivered_messages_writes_give_each_state_event_once_in_order()
    {
        var agentId = "ev" + Guid.NewGuid().ToString("n")[..8];
        var (harness, watcher, store) = await StartAsync(agentId);
        await using var harnessScope = harness;
        await using var watcherScope = watcher;
        var id = "msg_" + Guid.NewGuid().ToString("n")[..8];

        var (message, _) = await store.AddAsync(NewMessage(agentId, id));
        Assert.False((await store.AddAsync(NewMessage(agentId, id))).Created);
        var rendering = await store.TryReplaceAsync(message.Transition(MessageState.Rendering, Now, "attempt 1") with { Attempts = 1 });
        Assert.NotNull(rendering);
        // A second worker's write from the same stale read is refused, and publishes nothing.
        Assert.Null(await store.TryReplaceAsync(message.Transition(MessageState.Rendering, Now, "attempt 1")));
        await store.TryReplaceAsync(rendering.Transition(MessageState.Calling, Now, "claimed") with { AudioBlob = "audio/abc.wav", ClaimedAt = Now });
        await store.UpdateAsync(agentId, id, m => m with { CallSid = "CA1" });
        await store.UpdateAsync(agentId, id, m => m.Transition(MessageState.InProgress, Now, "call in-progress"));
        // The asynchronous answering-machine verdict, then Twilio retrying that webhook (no change, no write).
        await store.UpdateAsync(agentId, id, m => m.Note(Now, "answered by human") with { AnsweredBy = "human" });
        await store.UpdateAsync(agentId, id, m => m.AnsweredBy == "human" ? null : m);
        await store.UpdateAsync(agentId, id, m => m with { RecordingUrl = "https://api.twilio.com/rec/RE1", RecordingSid = "RE1", RecordingDurationSeconds = 4 });
        await store.UpdateAsync(agentId, id, m => m.Transition(MessageState.Completed, Now, "call completed"));

        var events = await watcher.ReceiveEventsUntilAsync(e => Type(e) == "completed");

        Assert.Equal(["queued", "rendered", "calling", "answered", "answered", "recorded", "completed"], events.Select(Type));
        Assert.All(events, e => Assert.Equal("messages/" + id, e.GetProperty("subject").GetString()));
        Assert.All(events, e => Assert.Equal(id, e.GetProperty("messageid").GetString()));
        var data = events.Select(e => e.GetProperty("data")).ToList();
        Assert.Equal(["queued", "calling", "calling", "in-progress", "in-progress", "in-progress", "completed"],
            data.Select(d => d.GetProperty("state").GetString()));
        Assert.Equal("+15551230000", data[0].GetProperty("to").GetString());
        Assert.False(data[0].TryGetProperty("audioUrl", out _));
        Assert.Equal($"/api/agents/{agentId}/messages/{id}/audio", data[1].GetProperty("audioUrl").GetString());
        Assert.False(data[3].TryGetProperty("answeredBy", out _));
        Assert.Equal("CA1", data[3].GetProperty("callSid").GetString());
        Assert.Equal("human", data[4].GetProperty("answeredBy").GetString());
        Assert.Equal($"/api/agents/{agentId}/messages/{id}/recording", data[5].GetProperty("recordingUrl").GetString());
        Assert.Equal(4, data[5].GetProperty("recordingSeconds").GetDouble());
        Assert.Equal(0, harness.Dropped);
    }

    [Fact]
    public async Task A_failed_call_gives_failed_with_its_error_and_a_voicemail_verdict_says_machine()
    {
        var agentId = "ev" + Guid.NewGuid().ToString("n")[..8];
        var (harness, watcher, store) = await StartAsync(agentId);
        await using var harnessScope = harness;
        await using var watcherScope = watcher;
        var busy = "msg_" + Guid.NewGuid().ToString("n")[..8];
        var voicemail = "msg_" + Guid.NewGuid().ToString("n")[..8];

        await store.AddAsync(NewMessage(agentId, busy));
        await store.UpdateAsync(agentId, busy, m => m.Transition(MessageState.Calling, Now, "claimed") with { AudioBlob = "audio/a.wav" });
        await store.UpdateAsync(agentId, busy, m => m.Transition(MessageState.Busy, Now, "call busy") with
        {
            Error = new MessageError("twilio-busy", "The line was busy."),
        });
        var failed = await watcher.ReceiveEventsUntilAsync(e => Type(e) == "failed");
        await store.AddAsync(NewMessage(agentId, voicemail));
        await store.UpdateAsync(agentId, voicemail, m => m.Transition(MessageState.Calling, Now, "claimed") with { AudioBlob = "audio/a.wav" });
        // Twilio's answered callback carried the verdict already: one answered event, not two.
        await store.UpdateAsync(agentId, voicemail, m => m.Transition(MessageState.InProgress, Now, "call in-progress") with { AnsweredBy = "machine_end_beep" });
        await store.UpdateAsync(agentId, voicemail, m => m.Transition(MessageState.Completed, Now, "call completed"));
        var delivered = await watcher.ReceiveEventsUntilAsync(e => Type(e) == "completed");

        Assert.Equal(["queued", "rendered", "calling", "failed"], failed.Select(Type));
        var busyData = failed[^1].GetProperty("data");
        Assert.Equal("busy", busyData.GetProperty("state").GetString());
        Assert.Equal("The line was busy.", busyData.GetProperty("error").GetString());
        Assert.Equal(["queued", "rendered", "calling", "answered", "completed"], delivered.Select(Type));
        Assert.Equal("machine", delivered[3].GetProperty("data").GetProperty("answeredBy").GetString());
    }
}
