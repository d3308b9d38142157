using System.Diagnostics;
using AgentOS.Voice.Hosting;

namespace AgentOS.Voice.Conversation;

/// <summary>
/// The one way out to the caller. Every send happens under one emit lock, and an answer may send only while its id is
/// the current one: cancelling an answer makes a new id current first (<see cref="Advance"/>), then cancels it (closing
/// the model stream), then waits for the lock once (<see cref="DrainAsync"/>), so after that no piece of the cancelled
/// answer can leave.
/// </summary>
internal sealed class CallOutputGate(ICallOutput output, TimeProvider time) : IAsyncDisposable
{
    private readonly SemaphoreSlim _emit = new(1, 1);
    private readonly CancellationTokenSource _lifetime = new();
    private long _current;

    /// <summary>True once the call's output is closed; sends cut short by it are not failures.</summary>
    public bool IsClosed => _lifetime.IsCancellationRequested;

    /// <summary>Makes a new answer id current and every earlier one stale; the caller serialises it with what it keeps as current.</summary>
    public long Advance() => Interlocked.Increment(ref _current);

    /// <summary>Waits out a send that passed the id check before an <see cref="Advance"/>; once done nothing stale can follow.</summary>
    public async Task DrainAsync()
    {
        await _emit.WaitAsync(CancellationToken.None);
        _emit.Release();
    }

    /// <summary>Sends a piece of <paramref name="g"/>'s answer if it is still the current one; false once it is not.</summary>
    public async ValueTask<bool> EmitAsync(Generation g, string text, bool last)
    {
        await _emit.WaitAsync(CancellationToken.None);
        try
        {
            if (Volatile.Read(ref _current) != g.Id)
            {
                return false;
            }

            if (text.Length > 0)
            {
                g.Produced++;
            }

            if (g.Held is { } held)
            {
                held.Add((text, last));
                return true;
            }

            await SendLockedAsync(g, text, last);
            return true;
        }
        finally
        {
            _emit.Release();
        }
    }

    /// <summary>Sends a non-model action (a whole reply, language, end) under the emit lock; with <paramref name="g"/>, only while it is current.</summary>
    public async ValueTask<bool> SendAsync(Generation? g, Func<ICallOutput, CancellationToken, ValueTask> send)
    {
        await _emit.WaitAsync(CancellationToken.None);
        try
        {
            if (g is not null && Volatile.Read(ref _current) != g.Id)
            {
                return false;
            }

            await send(output, _lifetime.Token);
            return true;
        }
        finally
        {
            _emit.Release();
        }
    }

    /// <summary>
    /// Keeps a held speculation: under the emit lock, <paramref name="kept"/> runs first (it records the caller's
    /// turn), then the held pieces go out at once. False when <paramref name="g"/> is no longer current.
    /// </summary>
    public async Task<bool> ReleaseHeldAsync(Generation g, Action kept)
    {
        await _emit.WaitAsync(CancellationToken.None);
        try
        {
            // Inputs arrive one at a time, so nothing else can cancel it meanwhile; the check keeps that an invariant.
            if (Volatile.Read(ref _current) != g.Id)
            {
                return false;
            }

            kept();
            // Its first token counts from the final words, as the caller waits for it.
            g.PromptTimestamp = time.GetTimestamp();
            var held = g.Held!;
            g.Held = null;
            try
            {
                foreach (var (piece, last) in held)
                {
                    await SendLockedAsync(g, piece, last);
                }
            }
            finally
            {
                // Only now may the answer finish (it records what was sent) or run its tools.
                g.Kept.TrySetResult();
            }

            return true;
        }
        finally
        {
            _emit.Release();
        }
    }

    /// <summary>Sends a piece of <paramref name="g"/>'s answer; the caller holds the emit lock and has checked it is current.</summary>
    private async ValueTask SendLockedAsync(Generation g, string text, bool last)
    {
        await output.SayAsync(text, last, _lifetime.Token);
        if (text.Length > 0)
        {
            if (g.Tokens++ == 0)
            {
                // Once per turn, never per token: the turn path stays free of telemetry allocations.
                g.FirstTokenMs = time.GetElapsedTime(g.PromptTimestamp).TotalMilliseconds;
                VoiceTelemetry.FirstToken.Record(g.FirstTokenMs.Value);
                g.Activity?.AddEvent(new ActivityEvent("first_token"));
            }

            g.Spoken.Append(text);
            g.Stream?.Append(text); // after the send: gathering for events never holds a token back
        }

        if (last)
        {
            g.Stream?.Flush();
            g.Activity?.AddEvent(new ActivityEvent("last_token"));
        }
    }

    /// <summary>Ends the call's output: a send still running is cancelled.</summary>
    public async ValueTask DisposeAsync()
    {
        await _lifetime.CancelAsync();
        _lifetime.Dispose();
    }
}
