using AgentOS.Voice.Messages;
using AgentOS.Voice.Outcomes;
using AgentOS.Voice.TestSupport;

namespace AgentOS.Voice.Core.Tests.Outcomes;

public class AgentStatsQueryTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task Stats_over_a_seeded_set_count_by_outcome_and_leave_out_other_agents_and_times()
    {
        await using var h = new OutcomeHarness(azurite);
        await h.AddAgentAsync("clinic");
        await h.AddAgentAsync("other");
        var maker = h.Get<OutcomeMaker>();
        var start = h.Time.GetUtcNow();

        // Two calls like the harness's (125 s, 1 interruption, first tokens 400 and 200 ms, one 180 ms tool call).
        foreach (var id in new[] { "call-a", "call-b" })
        {
            await h.AddEndedCallAsync("clinic", id);
            await maker.ProcessAsync(OutcomeHarness.Request("call", "clinic", id));
        }

        await h.AddEndedCallAsync("other", "call-other");
        await maker.ProcessAsync(OutcomeHarness.Request("call", "other", "call-other"));

        var store = h.Get<IVoiceMessageStore>();
        foreach (var (id, state) in new[] { ("msg-1", MessageState.Completed), ("msg-2", MessageState.NoAnswer) })
        {
            await store.AddAsync(new VoiceMessage
            {
                Id = id, AgentId = "clinic", To = "+14155550100", Text = "Reminder.", State = state,
                CallDurationSeconds = state == MessageState.Completed ? 20 : 0, CreatedAt = start, UpdatedAt = start.AddSeconds(130),
            });
            await maker.ProcessAsync(OutcomeHarness.Request("message", "clinic", id));
        }

        var stats = await h.Get<AgentStatsQuery>().RunAsync("clinic", start, start.AddHours(1));
        var before = await h.Get<AgentStatsQuery>().RunAsync("clinic", start.AddHours(-2), start.AddHours(-1));

        Assert.Equal(2, stats.Calls);
        Assert.Equal(2, stats.Messages);
        Assert.Equal(2, stats.CallsByStatus["completed"]);
        Assert.Equal(1, stats.MessagesByStatus["completed"]);
        Assert.Equal(1, stats.MessagesByStatus["no-answer"]);
        Assert.Equal(0.75, stats.AnswerRate);
        Assert.Equal(125, stats.AverageCallSeconds);
        Assert.Equal(0, stats.HandoffRate);
        Assert.Equal(1, stats.InterruptionsPerCall);
        Assert.Equal(new Percentiles(200, 400, 4), stats.FirstTokenMs);
        Assert.Equal(2, stats.ToolCalls);
        Assert.Equal(0, stats.ToolFailures);
        Assert.Equal(new Percentiles(180, 180, 2), stats.ToolLatencyMs);
        // Two calls at 0.25248; both messages were rendered (9 characters each), one rang for a minute.
        Assert.Equal(2 * 0.25248m + 0.014m + 2 * 0.0027m, stats.CostTotal);
        Assert.Equal(0, before.Calls + before.Messages);
    }
}
