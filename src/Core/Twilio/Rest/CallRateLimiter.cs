using Microsoft.Extensions.Options;

namespace AgentOS.Voice.Twilio.Rest;

/// <summary>
/// Keeps call creation for the configured account at or under <see cref="TwilioOptions.CallsPerSecond"/>: a token
/// bucket holding one token, refilled every 1/CPS seconds. A bucket of one never bursts, so no one-second window ever
/// sees more than CPS calls; Twilio would otherwise queue the excess (and delay every call behind it). Per process:
/// several instances share the account's budget only loosely, which is why Twilio's queueing stays the backstop.
/// </summary>
public sealed class CallRateLimiter
{
    private readonly TimeProvider _time;
    private readonly TimeSpan _interval;
    private readonly Lock _gate = new();
    private DateTimeOffset _nextFree = DateTimeOffset.MinValue;

    public CallRateLimiter(IOptions<TwilioOptions> options, TimeProvider time)
    {
        _time = time;
        _interval = TimeSpan.FromSeconds(1 / options.Value.CallsPerSecond);
    }

    /// <summary>The spacing between two calls.</summary>
    public TimeSpan Interval => _interval;

    /// <summary>Waits until this caller may create a call. Cancelling gives the reserved turn back when nobody queued after it.</summary>
    public async ValueTask WaitAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        DateTimeOffset slot;
        TimeSpan wait;
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            slot = _nextFree > now ? _nextFree : now;
            _nextFree = slot + _interval;
            wait = slot - now;
        }

        if (wait <= TimeSpan.Zero)
        {
            return;
        }

        try
        {
            await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            lock (_gate)
            {
                if (_nextFree == slot + _interval)
                {
                    _nextFree = slot;
                }
            }

            throw;
        }
    }
}
