using AgentOS.Voice.Hosting;
using Microsoft.Extensions.Options;

namespace AgentOS.Voice.RelayHost;

/// <summary>
/// Counts this replica's live sessions against the cap and coordinates draining: once stopping begins no new session
/// is admitted, and when the drain timeout passes every live session is closed. It also closes sessions that have been
/// silent for the idle timeout. One sweep timer and one drain callback serve every session, because a timer,
/// cancellation source and registrations of its own would be memory each idle call holds for its whole length.
/// </summary>
public sealed class RelaySessionRegistry : IDisposable
{
    private readonly RelayHostOptions _options;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _drainDeadline;
    private readonly ITimer _idleSweep;
    private readonly TaskCompletionSource _allEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly HashSet<RelaySocketSession> _sessions = [];
    private readonly HashSet<string> _liveCalls = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private bool _disposed;
    private int _live;
    private volatile bool _draining;

    public RelaySessionRegistry(IOptions<RelayHostOptions> options, TimeProvider time)
    {
        _options = options.Value;
        _time = time;
        _drainDeadline = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
        _drainDeadline.Token.Register(static s => ((RelaySessionRegistry)s!).CloseAll(idleOnly: false), this);
        var period = IdleSweepPeriod(_options.IdleTimeout);
        _idleSweep = time.CreateTimer(static s => ((RelaySessionRegistry)s!).CloseAll(idleOnly: true), this, period, period);
    }

    public int LiveSessions => Volatile.Read(ref _live);

    public bool IsDraining => _draining;

    /// <summary>
    /// How often silence is checked: a session is closed between IdleTimeout and IdleTimeout plus this. A twentieth
    /// of the timeout, at most 5 s, keeps the overshoot small against the timeout and the sweep cheap.
    /// </summary>
    public static TimeSpan IdleSweepPeriod(TimeSpan idleTimeout) =>
        TimeSpan.FromTicks(Math.Clamp(idleTimeout.Ticks / 20, TimeSpan.TicksPerMillisecond * 50, TimeSpan.TicksPerSecond * 5));

    /// <summary>Takes a slot; false when the replica is full or draining. Every true must be paired with <see cref="Exit"/>.</summary>
    public bool TryEnter()
    {
        if (_draining)
        {
            return false;
        }

        if (Interlocked.Increment(ref _live) > _options.MaxSessions)
        {
            Release();
            return false;
        }

        VoiceTelemetry.LiveSessions.Add(1);
        return true;
    }

    public void Exit()
    {
        VoiceTelemetry.LiveSessions.Add(-1);
        Release();
    }

    private void Release()
    {
        if (Interlocked.Decrement(ref _live) == 0 && _draining)
        {
            _allEnded.TrySetResult();
        }
    }

    /// <summary>
    /// Marks <paramref name="callId"/> as having a live session on this replica; false when it already has one (a
    /// replayed or duplicated upgrade). Every true must be paired with <see cref="ReleaseCall"/>.
    /// </summary>
    public bool TryClaimCall(string callId)
    {
        lock (_gate)
        {
            return _liveCalls.Add(callId);
        }
    }

    public void ReleaseCall(string callId)
    {
        lock (_gate)
        {
            _liveCalls.Remove(callId);
        }
    }

    /// <summary>Watches an accepted session for silence and for the drain deadline until <see cref="Untrack"/>.</summary>
    internal void Track(RelaySocketSession session)
    {
        lock (_gate)
        {
            _sessions.Add(session);
        }

        // Admitted just before the deadline passed: the sweep that closed the others has already run.
        if (_drainDeadline.IsCancellationRequested)
        {
            session.CloseForShutdown();
        }
    }

    internal void Untrack(RelaySocketSession session)
    {
        lock (_gate)
        {
            _sessions.Remove(session);
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
                _drainDeadline.CancelAfter(_options.DrainTimeout);
            }

            _draining = true;
        }

        if (LiveSessions == 0)
        {
            _allEnded.TrySetResult();
        }

        return _allEnded.Task;
    }

    private void CloseAll(bool idleOnly)
    {
        List<RelaySocketSession>? closing = null;
        var now = _time.GetTimestamp();
        lock (_gate)
        {
            foreach (var session in _sessions)
            {
                if (!idleOnly || _time.GetElapsedTime(session.LastHeardTimestamp, now) >= _options.IdleTimeout)
                {
                    (closing ??= []).Add(session);
                }
            }
        }

        // Closing sends a frame; done outside the lock so sessions can still come and go meanwhile.
        foreach (var session in closing ?? [])
        {
            if (idleOnly)
            {
                session.CloseForIdle();
            }
            else
            {
                session.CloseForShutdown();
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _idleSweep.Dispose();
            _drainDeadline.Dispose();
        }
    }
}
