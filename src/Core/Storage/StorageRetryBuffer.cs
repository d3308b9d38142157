using System.ComponentModel.DataAnnotations;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentOS.Voice.Storage;

/// <summary>"StorageRetry" configuration: how long work deferred during a storage outage is kept and retried.</summary>
public sealed class StorageRetryOptions
{
    public const string SectionName = "StorageRetry";

    /// <summary>Most pieces of work held at once; past it new work is dropped, counted and logged.</summary>
    [Range(1, 1_000_000)]
    public int Capacity { get; set; } = 10_000;

    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan FirstDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Backoff doubles from <see cref="FirstDelay"/> up to this.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Work still failing this long after it was deferred is dropped and logged; a record it leaves in a call state is
    /// settled later from Twilio's call resource by the reconciler (Reconciling/RecordReconciler).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan GiveUpAfter { get; set; } = TimeSpan.FromHours(1);

    /// <summary>One attempt's own deadline, so a frozen account (connections open, no answer) cannot stall the retries.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// Storage writes a Twilio webhook could not make because storage was out (<see cref="StorageOutage"/>), kept in
/// memory and retried with backoff, so the webhook can still answer Twilio at once with safe TwiML or a 2xx. Not a
/// queue: the queues live in the same storage account and are out with it. Each round first retries the oldest due
/// piece of work alone; only when it succeeds (storage is back) are the others tried, so an outage costs one attempt
/// per backoff step, not one per piece. Work must be idempotent (read, merge, write): it may run again after a write
/// that succeeded but timed out. Lost with the process: the reconciler (Reconciling/RecordReconciler) settles what it
/// leaves in a call state from Twilio's call resource.
/// </summary>
public sealed partial class StorageRetryBuffer(IOptions<StorageRetryOptions> options, TimeProvider time, ILogger<StorageRetryBuffer> logger) : BackgroundService
{
    private readonly Channel<Entry> _incoming = Channel.CreateUnbounded<Entry>();
    private readonly List<Entry> _waiting = [];
    private int _pending;
    private long _dropped;
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Work deferred and neither done nor dropped yet.</summary>
    public int Pending => Volatile.Read(ref _pending);

    /// <summary>Work dropped since start: over capacity, given up after <see cref="StorageRetryOptions.GiveUpAfter"/>, or failed for good.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Keeps <paramref name="work"/> to retry; false (counted, logged) when the buffer is full.</summary>
    public bool Defer(string what, Func<CancellationToken, Task> work)
    {
        if (Interlocked.Increment(ref _pending) > options.Value.Capacity)
        {
            Interlocked.Decrement(ref _pending);
            Drop(what, "the storage retry buffer is full");
            return false;
        }

        var now = time.GetUtcNow();
        _incoming.Writer.TryWrite(new Entry(what, work, now, now + options.Value.FirstDelay, options.Value.FirstDelay));
        LogDeferred(what);
        Interlocked.Exchange(ref _wake, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        return true;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var wake = Volatile.Read(ref _wake).Task;
            while (_incoming.Reader.TryRead(out var entry))
            {
                _waiting.Add(entry);
            }

            await RetryDueAsync(stoppingToken);

            var now = time.GetUtcNow();
            var wait = _waiting.Count == 0 ? Timeout.InfiniteTimeSpan : _waiting.Min(e => e.Due) - now;
            if (wait == Timeout.InfiniteTimeSpan || wait > TimeSpan.Zero)
            {
                using var round = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                await Task.WhenAny(wake, Task.Delay(wait, time, round.Token)).ConfigureAwait(false);
                await round.CancelAsync();
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (Pending > 0)
        {
            LogAbandoned(Pending);
        }
    }

    private async Task RetryDueAsync(CancellationToken stoppingToken)
    {
        var due = _waiting.Where(e => e.Due <= time.GetUtcNow()).OrderBy(e => e.Deferred).ToList();
        foreach (var entry in due)
        {
            if (stoppingToken.IsCancellationRequested)
            {
                return;
            }

            var outcome = await AttemptAsync(entry, stoppingToken);
            if (outcome == Outcome.Done)
            {
                Finish(entry);
                continue;
            }

            if (outcome == Outcome.Failed)
            {
                Finish(entry);
                Drop(entry.What, "storage refused it");
                continue;
            }

            // Still out: everything due waits another step rather than each paying an attempt's timeout.
            var now = time.GetUtcNow();
            foreach (var waiting in due.Where(e => _waiting.Contains(e)))
            {
                Postpone(waiting, now);
            }

            return;
        }
    }

    private void Postpone(Entry entry, DateTimeOffset now)
    {
        var index = _waiting.IndexOf(entry);
        if (now - entry.Deferred >= options.Value.GiveUpAfter)
        {
            Finish(entry);
            Drop(entry.What, $"storage was still out after {options.Value.GiveUpAfter}");
            return;
        }

        var delay = TimeSpan.FromTicks(Math.Min(entry.Delay.Ticks * 2, options.Value.MaxDelay.Ticks));
        _waiting[index] = entry with { Due = now + delay, Delay = delay };
    }

    private void Finish(Entry entry)
    {
        _waiting.Remove(entry);
        Interlocked.Decrement(ref _pending);
    }

    private async Task<Outcome> AttemptAsync(Entry entry, CancellationToken stoppingToken)
    {
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        attempt.CancelAfter(options.Value.AttemptTimeout);
        try
        {
            await entry.Work(attempt.Token).WaitAsync(attempt.Token);
            LogDone(entry.What, time.GetUtcNow() - entry.Deferred);
            return Outcome.Done;
        }
        catch (Exception e) when (StorageOutage.IsOutage(e, stoppingToken))
        {
            return Outcome.StillOut;
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            LogFailed(e, entry.What);
            return Outcome.Failed;
        }
    }

    private void Drop(string what, string why)
    {
        var dropped = Interlocked.Increment(ref _dropped);
        LogDropped(what, why, dropped);
    }

    private enum Outcome { Done, StillOut, Failed }

    private sealed record Entry(string What, Func<CancellationToken, Task> Work, DateTimeOffset Deferred, DateTimeOffset Due, TimeSpan Delay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storage unavailable: {What} deferred, to be retried")]
    private partial void LogDeferred(string what);

    [LoggerMessage(Level = LogLevel.Information, Message = "Storage back: {What} done {Late} after it was deferred")]
    private partial void LogDone(string what, TimeSpan late);

    [LoggerMessage(Level = LogLevel.Error, Message = "Deferred {What} failed for good")]
    private partial void LogFailed(Exception e, string what);

    [LoggerMessage(Level = LogLevel.Error, Message = "Dropped {What}: {Why} ({Dropped} dropped since start)")]
    private partial void LogDropped(string what, string why, long dropped);

    [LoggerMessage(Level = LogLevel.Error, Message = "Shut down with {Pending} deferred storage writes not done")]
    private partial void LogAbandoned(int pending);
}
