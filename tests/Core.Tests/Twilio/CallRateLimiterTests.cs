using AgentOS.Voice.Twilio;
using AgentOS.Voice.Twilio.Rest;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AgentOS.Voice.Core.Tests.Twilio;

public class CallRateLimiterTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-11-24T10:00:00Z"));

    private CallRateLimiter Limiter(double callsPerSecond) =>
        new(Options.Create(new TwilioOptions { CallsPerSecond = callsPerSecond }), _time);

    [Fact]
    public async Task Calls_are_spaced_one_interval_apart()
    {
        var limiter = Limiter(2);

        var first = limiter.WaitAsync().AsTask();
        var second = limiter.WaitAsync().AsTask();
        var third = limiter.WaitAsync().AsTask();

        Assert.True(first.IsCompletedSuccessfully);
        Assert.False(second.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(499));
        Assert.False(second.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        await second.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(third.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(500));
        await third.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task An_idle_bucket_does_not_store_a_burst()
    {
        var limiter = Limiter(1);
        await limiter.WaitAsync();
        _time.Advance(TimeSpan.FromSeconds(10));

        var afterIdle = limiter.WaitAsync().AsTask();
        var next = limiter.WaitAsync().AsTask();

        Assert.True(afterIdle.IsCompletedSuccessfully);
        Assert.False(next.IsCompleted);
    }

    [Fact]
    public async Task A_cancelled_waiter_gives_its_turn_back()
    {
        var limiter = Limiter(1);
        await limiter.WaitAsync();
        using var cancel = new CancellationTokenSource();

        var abandoned = limiter.WaitAsync(cancel.Token).AsTask();
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);

        var next = limiter.WaitAsync().AsTask();
        Assert.False(next.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(1));
        await next.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
