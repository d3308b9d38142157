using Xunit;

namespace AgentOS.Voice.TestSupport;

/// <summary>
/// For a condition another task makes true in its own time (a cancelled model stream closing as its generation
/// unwinds, a socket seen closed): passes as soon as it holds, fails once the timeout has passed without it. A fixed
/// delay instead would fail on a busy machine.
/// </summary>
public static class Eventually
{
    public static async Task TrueAsync(Func<bool> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(5));
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        Assert.True(condition());
    }
}
