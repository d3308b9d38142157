using System.Diagnostics;
using System.Runtime.InteropServices;

namespace AgentOS.Voice.Bench.FakeLlm;

/// <summary>
/// Releases each stream's first token at its due time to within tens of microseconds, on one thread of its own.
/// The first token is what the load tool's "TTFT − 200" times, and Task.Delay, which counts whole milliseconds on a
/// millisecond timer, made the fake late by p50 2-3 ms there: the fake's lateness, printed as part of ours. The thread
/// waits on a monitor until ~2 ms before the earliest due time, then sleeps the rest with an absolute
/// <c>clock_nanosleep</c> on CLOCK_MONOTONIC, the clock <see cref="Stopwatch"/> reads on Linux. Tokens after the first
/// keep Task.Delay: no figure depends on when they go out, and timing them this closely was not tried (spinning for
/// the first token alone had taken the fake from 19 to 40 % of a core at 1,000 sessions).
/// </summary>
internal sealed class FirstTokenTimer
{
    private const int ClockMonotonic = 1;
    private const int TimerAbsoluteTime = 1;
    private const int PrSetTimerSlack = 29;

    private static readonly long TicksPerMillisecond = Stopwatch.Frequency / 1000;

    private readonly PriorityQueue<TaskCompletionSource, long> _due = new();
    private readonly object _gate = new();

    public FirstTokenTimer()
    {
        if (!OperatingSystem.IsLinux() || Stopwatch.Frequency != 1_000_000_000)
        {
            throw new PlatformNotSupportedException("The first-token timer needs Linux, where Stopwatch reads CLOCK_MONOTONIC in nanoseconds.");
        }

        new Thread(Run) { IsBackground = true, Name = "first-token timer" }.Start();
    }

    /// <summary>Completes at <paramref name="due"/> (a Stopwatch timestamp), never before it.</summary>
    public Task WaitUntilAsync(long due, CancellationToken cancellationToken)
    {
        if (Stopwatch.GetTimestamp() >= due)
        {
            return Task.CompletedTask;
        }

        // Continuations run on the timer thread: the token is written there at once, with no thread-pool hop in between.
        var waiter = new TaskCompletionSource();
        lock (_gate)
        {
            _due.Enqueue(waiter, due);
            Monitor.Pulse(_gate);
        }

        return waiter.Task.WaitAsync(cancellationToken);
    }

    private void Run()
    {
        // The kernel may otherwise add up to 50 µs (the default timer slack) to every sleep.
        _ = prctl(PrSetTimerSlack, 1, 0, 0, 0);
        while (true)
        {
            TaskCompletionSource? ready = null;
            long sleepUntil = 0;
            lock (_gate)
            {
                while (ready is null && sleepUntil == 0)
                {
                    if (!_due.TryPeek(out _, out var due))
                    {
                        Monitor.Wait(_gate);
                        continue;
                    }

                    var left = due - Stopwatch.GetTimestamp();
                    if (left <= 0)
                    {
                        ready = _due.Dequeue();
                    }
                    else if (left > 3 * TicksPerMillisecond)
                    {
                        // A monitor wait may overshoot by a millisecond or so; stop 2 ms short and sleep the rest exactly.
                        Monitor.Wait(_gate, (int)(left / TicksPerMillisecond) - 2);
                    }
                    else
                    {
                        sleepUntil = due;
                    }
                }
            }

            if (ready is not null)
            {
                ready.TrySetResult();
            }
            else
            {
                var until = new Timespec { Seconds = sleepUntil / Stopwatch.Frequency, Nanoseconds = sleepUntil % Stopwatch.Frequency };
                // EINTR only wakes the loop early, and it sleeps again.
                _ = clock_nanosleep(ClockMonotonic, TimerAbsoluteTime, ref until, IntPtr.Zero);
            }
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", SetLastError = false)]
    private static extern int clock_nanosleep(int clockId, int flags, ref Timespec request, IntPtr remain);

    [DllImport("libc", SetLastError = false)]
    private static extern int prctl(int option, ulong arg2, ulong arg3, ulong arg4, ulong arg5);
}
