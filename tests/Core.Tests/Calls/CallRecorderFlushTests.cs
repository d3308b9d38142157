using AgentOS.Voice.Calls;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AgentOS.Voice.Core.Tests.Calls;

public sealed class CallRecorderFlushTests
{
    [Fact]
    public async Task Overlapping_flushes_both_end_when_the_backlog_is_written()
    {
        // A host stopped twice at once flushes twice; on a clock that stands still, neither flush may depend on its
        // timeout, only on the rows being written.
        var store = new GatedCallStore();
        var recorder = new BackgroundCallRecorder(store, NullLogger<BackgroundCallRecorder>.Instance,
            Options.Create(new CallRecorderOptions { WriteDelay = TimeSpan.Zero }), new FakeTimeProvider());
        await recorder.StartAsync(CancellationToken.None);
        recorder.Record(new CallRecord { CallId = "c1", AgentId = "a1", Direction = "inbound", StartedAt = DateTimeOffset.UnixEpoch });
        await store.WriteStarted.Task.WaitAsync(TimeSpan.FromSeconds(30));

        var first = recorder.FlushAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
        var second = recorder.FlushAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
        store.Release.SetResult();

        // The real-time bound only turns a hang into a failure.
        var left = await Task.WhenAll(first, second).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal([0, 0], left);
        await recorder.StopAsync(CancellationToken.None);
    }

    /// <summary>Holds every write until <see cref="Release"/> is set.</summary>
    private sealed class GatedCallStore : ICallStore
    {
        public TaskCompletionSource WriteStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task UpsertCallAsync(CallRecord call, CancellationToken cancellationToken = default)
        {
            WriteStarted.TrySetResult();
            await Release.Task;
        }

        public async Task<bool> AddCallAsync(CallRecord call, CancellationToken cancellationToken = default)
        {
            await UpsertCallAsync(call, cancellationToken);
            return true;
        }

        public Task UpsertTurnAsync(TranscriptTurn turn, CancellationToken cancellationToken = default) => UpsertCallAsync(null!, cancellationToken);

        public Task<CallRecord?> GetCallAsync(string callId, CancellationToken cancellationToken = default) => Task.FromResult<CallRecord?>(null);

        public Task<IReadOnlyList<TranscriptTurn>> GetTranscriptAsync(string callId, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<TranscriptTurn>>([]);
    }
}
