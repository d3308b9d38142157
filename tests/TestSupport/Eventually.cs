using Xunit;

namespace AgentOS.Voice.TestSupport;

/// <summary>
/// For a condition another task makes true in its own time (a row a background writer stores, a cancelled model
/// stream closing as its generation unwinds): passes as soon as it holds. A fixed delay instead would fail on a busy
/// machine.
/// </summary>
public static class Eventually
{
    /// <summary>Waits for a condition that real I/O makes true at some point; fails with <paramref name="what"/> if it never does.</summary>
    public static async Task True(Func<Task<bool>> condition, string what, int timeoutSeconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting for: {what}");
            }

            await Task.Delay(20);
        }
    }

    /// <inheritdoc cref="True(Func{Task{bool}}, string, int)"/>
    public static Task True(Func<bool> condition, string what, int timeoutSeconds = 30) =>
        True(() => Task.FromResult(condition()), what, timeoutSeconds);
}
