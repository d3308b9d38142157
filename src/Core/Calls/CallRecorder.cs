using System.ComponentModel.DataAnnotations;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using AgentOS.Voice.Storage;

namespace AgentOS.Voice.Calls;

/// <summary>Takes call records and transcript turns to persist later; never waits, so it cannot delay a token.</summary>
public interface ICallRecorder
{
    void Record(CallRecord call);

    /// <summary>
    /// Stores <paramref name="call"/> only if the call has no record yet, so a late write never replaces what the
    /// relay session or a webhook stored in the meantime.
    /// </summary>
    void RecordIfNew(CallRecord call);

    void Record(TranscriptTurn turn);
}

/// <summary>"CallRecorder" configuration.</summary>
public sealed class CallRecorderOptions
{
    public const string SectionName = "CallRecorder";

    /// <summary>
    /// Storage round trips in flight at once. One caps a process at ~100-200 rows a second against Azure Tables (5-10
    /// ms each), fewer than 1,000 live calls write (~400); four covers that. Against a storage emulator on the same
    /// cores (Azurite is one Node thread) parallel writes only add contention: the benchmarks run with one.
    /// </summary>
    [Range(1, 64)]
    public int Writers { get; set; } = 4;

    /// <summary>
    /// How old a row must be before it is written (a writer that is behind writes at once). A caller's turn is recorded
    /// the moment it is heard, which is the moment its model request goes out: written at once, the storage round trip
    /// (request signing, serialization, sockets) runs beside that request on the same cores.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:10")]
    public TimeSpan WriteDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// A row storage could not take because it was out is tried again after this, doubling up to
    /// <see cref="RetryMaxDelay"/>; its writer's later rows wait behind it, so a call's rows still land in order.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan RetryFirstDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>One write's own deadline, so a frozen account (connections open, no answer) cannot hold a writer for minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// On shutdown, how long the rows still queued may take to be written after the last call has ended (RelayHost's
    /// drain waits for them, and the host's shutdown timeout allows for it).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan FlushTimeout { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// Rows queued per process and written by <see cref="CallRecorderOptions.Writers"/> background writers, each call
/// always on the same writer so its rows land in order, each no sooner than <see cref="CallRecorderOptions.WriteDelay"/>
/// after it arrived. When storage falls so far behind that <see cref="Capacity"/> rows wait, new rows are dropped with
/// a warning rather than slowing live calls. A write that fails because storage is out (<see cref="StorageOutage"/>) is
/// retried with backoff while the rows behind it wait in the queue: rows are only dropped past <see cref="Capacity"/>
/// (or when storage refuses one for what it is), each counted in <see cref="Dropped"/>. On shutdown the queue is drained
/// for as long as the host allows.
/// </summary>
public sealed partial class BackgroundCallRecorder : IHostedService, ICallRecorder
{
    public const int Capacity = 10_000;

    private readonly ICallStore _store;
    private readonly ILogger<BackgroundCallRecorder> _logger;
    private readonly CallRecorderOptions _options;
    private readonly TimeSpan _writeDelay;
    private readonly TimeProvider _time;
    private readonly Channel<QueuedRow>[] _lanes;
    private readonly CancellationTokenSource _writeNow = new();
    private readonly Lock _flushGate = new();
    private Task _writers = Task.CompletedTask;
    private TaskCompletionSource? _emptied;
    private int _waiting;
    private long _dropped;

    public BackgroundCallRecorder(ICallStore store, ILogger<BackgroundCallRecorder> logger, IOptions<CallRecorderOptions> options, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Value.Writers, 1);
        _store = store;
        _logger = logger;
        _options = options.Value;
        _writeDelay = options.Value.WriteDelay;
        _time = time;
        _lanes = new Channel<QueuedRow>[options.Value.Writers];
        for (var i = 0; i < _lanes.Length; i++)
        {
            _lanes[i] = Channel.CreateUnbounded<QueuedRow>(new UnboundedChannelOptions { SingleReader = true });
        }
    }

    /// <summary>Rows taken and not yet written (or dropped).</summary>
    public int Backlog => Volatile.Read(ref _waiting);

    /// <summary>Rows lost since start: refused past <see cref="Capacity"/>, or refused by storage for good.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>
    /// Writes every row taken so far at once, without its WriteDelay, and waits until they are written or dropped, up
    /// to <paramref name="timeout"/>; the rows still waiting then (0 when all were written).
    /// </summary>
    public async Task<int> FlushAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        // Set before the backlog is read, so the write that empties it cannot be missed. It is a signal rather than
        // polling on the clock: a clock that stands still (virtual time) must not hold a flush whose rows are written.
        TaskCompletionSource emptied;
        lock (_flushGate)
        {
            // Flushes that overlap (a host stopped twice at once) share one signal: replacing it would leave the
            // earlier flush waiting for a signal nobody sends.
            emptied = _emptied is { Task.IsCompleted: false } pending
                ? pending
                : _emptied = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        await _writeNow.CancelAsync();
        if (Backlog > 0)
        {
            await emptied.Task.WaitAsync(timeout, _time, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        return Backlog;
    }

    public void Record(CallRecord call) => Enqueue(call, call.CallId);

    public void RecordIfNew(CallRecord call) => Enqueue(new NewCall(call), call.CallId);

    public void Record(TranscriptTurn turn) => Enqueue(turn, turn.CallId);

    private void Enqueue(object row, string callId)
    {
        if (Interlocked.Increment(ref _waiting) > Capacity || !_lanes[(uint)callId.GetHashCode() % (uint)_lanes.Length].Writer.TryWrite(new QueuedRow(row, _time.GetTimestamp())))
        {
            Interlocked.Decrement(ref _waiting);
            // Once per thousand: when storage is this far behind, a warning per row would only add to the load.
            var dropped = Interlocked.Increment(ref _dropped);
            if (dropped == 1 || dropped % 1000 == 0)
            {
                LogDropped(callId, row.GetType().Name, dropped);
            }
        }
    }

    // Not a BackgroundService: its ExecuteAsync is skipped entirely when stopping comes before it started, and
    // rows queued by then must still be written.
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _writers = Task.WhenAll(_lanes.Select(lane => Task.Run(() => WriteAllAsync(lane.Reader), CancellationToken.None)));
        return Task.CompletedTask;
    }

    /// <summary>Takes no more rows and waits, as long as the host allows, for the queued ones to be written.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _writeNow.CancelAsync();
        foreach (var lane in _lanes)
        {
            lane.Writer.TryComplete();
        }

        try
        {
            await _writers.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // The host's shutdown timeout is up: say what is lost rather than fail the shutdown.
            LogNotWritten(Volatile.Read(ref _waiting));
        }
    }

    private async Task WriteAllAsync(ChannelReader<QueuedRow> lane)
    {
        await foreach (var queued in lane.ReadAllAsync(CancellationToken.None))
        {
            // Each row waits until it is WriteDelay old, not the writer after each wake-up: a writer that is behind
            // finds its rows old enough and keeps writing at storage's pace, instead of pausing and then writing in bursts.
            var wait = _writeDelay - _time.GetElapsedTime(queued.EnqueuedAt);
            if (wait > TimeSpan.Zero)
            {
                // A flush or stop ends the wait: what is queued is written at once.
                await Task.Delay(wait, _time, _writeNow.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            await WriteAsync(queued.Row);
        }
    }

    private async Task WriteAsync(object row)
    {
        var delay = _options.RetryFirstDelay;
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                using var deadline = new CancellationTokenSource(_options.AttemptTimeout, _time);
                try
                {
                    await (row switch
                    {
                        CallRecord call => _store.UpsertCallAsync(call, deadline.Token),
                        NewCall add => _store.AddCallAsync(add.Call, deadline.Token),
                        TranscriptTurn turn => _store.UpsertTurnAsync(turn, deadline.Token),
                        _ => Task.CompletedTask,
                    });
                    if (attempt > 1)
                    {
                        LogWrittenAfterRetries(row.GetType().Name, attempt);
                    }

                    return;
                }
                catch (Exception e) when (StorageOutage.IsOutage(e))
                {
                    // Only the first failure of a row is logged: during an outage every attempt fails the same way.
                    if (attempt == 1)
                    {
                        LogRetrying(e, row.GetType().Name, Backlog);
                    }

                    await Task.Delay(delay, _time);
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.RetryMaxDelay.Ticks));
                }
            }
        }
        catch (Exception e)
        {
            Interlocked.Increment(ref _dropped);
            LogWriteFailed(e, row.GetType().Name);
        }
        finally
        {
            if (Interlocked.Decrement(ref _waiting) == 0)
            {
                Volatile.Read(ref _emptied)?.TrySetResult();
            }
        }
    }

    private sealed record NewCall(CallRecord Call);

    private readonly record struct QueuedRow(object Row, long EnqueuedAt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call store queue full: dropped a {Row} of call {CallId} ({Dropped} rows dropped since start)")]
    private partial void LogDropped(string callId, string row, long dropped);

    [LoggerMessage(Level = LogLevel.Error, Message = "Shut down with {Rows} call store rows not yet written")]
    private partial void LogNotWritten(int rows);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storage out: a {Row} will be retried ({Backlog} rows waiting)")]
    private partial void LogRetrying(Exception e, string row, int backlog);

    [LoggerMessage(Level = LogLevel.Information, Message = "Storage back: a {Row} written at attempt {Attempt}")]
    private partial void LogWrittenAfterRetries(string row, int attempt);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not store a {Row}; dropped")]
    private partial void LogWriteFailed(Exception e, string row);
}
