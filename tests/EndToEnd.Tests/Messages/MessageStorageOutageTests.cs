using AgentOS.Voice.TestSupport;

namespace AgentOS.Voice.EndToEnd.Tests.Messages;

/// <summary>
/// Storage frozen (SIGSTOP: connections accepted, nothing answered) while voice messages are rendered, called and
/// reported on: each is still delivered, once, after storage answers again.
/// </summary>
public sealed class MessageStorageOutageTests(MessagesFixture fixture) : IClassFixture<MessagesFixture>
{
    [Fact]
    public async Task Messages_in_flight_when_storage_freezes_are_delivered_once_after_it_thaws()
    {
        // Short storage deadlines, so the freeze fails requests instead of only slowing them.
        await using var app = MessagesApp.Start(fixture.Azurite, fixture.Simulator, "frozen", new Dictionary<string, string>
        {
            ["Storage:NetworkTimeout"] = "00:00:01",
            ["Storage:MaxRetries"] = "1",
            ["StorageRetry:FirstDelay"] = "00:00:00.100",
            ["StorageRetry:MaxDelay"] = "00:00:00.500",
            ["Messages:RetryFirstDelay"] = "00:00:00.200",
        });
        await app.CreateAgentAsync("frozen", "+15550000031");
        var numbers = Enumerable.Range(0, 4).Select(i => $"+1555100003{i}").ToList();
        var ids = new List<string>();
        foreach (var to in numbers)
        {
            ids.Add((await app.SendAsync("frozen", new { to, text = "Delivered once." })).Id());
        }

        // The outage's length, not a wait for a result: the jobs are being handled while it lasts.
        fixture.Azurite.Freeze();
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(4));
        }
        finally
        {
            fixture.Azurite.Thaw();
        }

        foreach (var id in ids)
        {
            await app.WaitForStateAsync("frozen", id, "completed", timeoutSeconds: 120);
        }

        foreach (var to in numbers)
        {
            Assert.Single(fixture.Simulator.Calls, c => c.To == to);
        }
    }
}
