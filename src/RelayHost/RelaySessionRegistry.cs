using Microsoft.Extensions.Options;

namespace AgentOS.Voice.RelayHost;

/// <summary>
/// Counts this replica's live sessions against the cap and coordinates draining: once stopping begins no new session
/// is admitted, and when the drain timeout passes <see cref="DrainDeadline"/> fires so live sessions close.
/// </summary>
public sealed class RelaySessionRegistry(IOptions<RelayHostOptions> options, TimeProvider time) : IDisposable
{
    private readonly CancellationTokenSource _drainDeadline = new(Timeout.InfiniteTimeSpan, time);
    private readonly TaskCompletionSource _allEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _gate = new();
    private bool _disposed;
    private int _live;
    private volatile bool _draining;

    public int LiveSessions => Volatile.Read(ref _live);

    public bool IsDraining => _draining;

    /// <summary>Cancelled when live sessions must close because the drain timeout has passed.</summary>
    public CancellationToken DrainDeadline => _drainDeadline.Token;

    /// <summary>Takes a slot; false when the replica is full or draining. Every true must be paired with <see cref="Exit"/>.</summary>
    public bool TryEnter()
    {
        if (_draining)
        {
            return false;
        }

        if (Interlocked.Increment(ref _live) > options.Value.MaxSessions)
        {
            Exit();
            return false;
        }

        return true;
    }

    public void Exit()
    {
        if (Interlocked.Decrement(ref _live) == 0 && _draining)
        {
            _allEnded.TrySetResult();
        }
    }

    /// <summary>Stops admitting sessions and starts the drain clock; completes when every session has ended.</summary>
    public Task DrainAsync()
    {
        // Called from ApplicationStopping and again from the hosted service's stop: the clock starts once. The
        // container may already have disposed the registry when a host is torn down abruptly; then there is nothing to time.
        lock (_gate)
        {
            if (!_draining && !_disposed)
            {
                _drainDeadline.CancelAfter(options.Value.DrainTimeout);
            }

            _draining = true;
        }

        if (LiveSessions == 0)
        {
            _allEnded.TrySetResult();
        }

        return _allEnded.Task;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _drainDeadline.Dispose();
        }
    }
}
