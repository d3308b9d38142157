namespace AgentOS.Voice.EndToEnd.Tests.LocalRun;

/// <summary>
/// README's run command, as a newcomer would use it: the dev runner starts Azurite, the Functions app, RelayHost and the
/// phone simulator as separate processes, then a scripted caller books a slot through the demo agent's tools, a voice message is played, and both outcomes reach
/// the demo agent's webhook.
/// </summary>
public class LocalRunSmokeTests
{
    [Fact]
    public async Task Dev_run_smoke_completes_a_live_call_and_a_voice_message()
    {
        await using var run = DevRunnerProcess.Start("--smoke", "--quiet");

        var exited = await run.WaitForExitAsync(TimeSpan.FromMinutes(4));

        Assert.True(exited, $"dev-runner --smoke did not finish within 4 minutes:\n{run.Log}");
        Assert.True(run.ExitCode == 0, $"dev-runner --smoke exited {run.ExitCode}:\n{run.Log}");
        Assert.Contains("Demo agent 'demo'", run.Log, StringComparison.Ordinal);
        Assert.Matches(@"Message \S+: completed", run.Log);
        // The booked call's and the message's outcomes reached the demo agent's webhook, signature verified.
        Assert.Matches(@"Outcome of the call CA\S+: completed", run.Log);
        Assert.Matches(@"Outcome of the message msg_\S+: completed", run.Log);
        Assert.Contains("\"newTime\": \"Friday 10:00\"", run.Log, StringComparison.Ordinal);
    }
}
