using AgentOS.Voice.Calls;
using AgentOS.Voice.Simulator.Calls;
using AgentOS.Voice.Simulator.Relay;

namespace AgentOS.Voice.EndToEnd.Tests.Live;

/// <summary>
/// Preemptive generation across the real processes: the TwiML asks for partial prompts, the simulated caller speaks
/// its words as growing partials and sends the final after the endpointing delay, RelayHost answers.
/// </summary>
public sealed class PreemptiveCallTests(LiveCallStack stack) : IClassFixture<LiveCallStack>
{
    private const string FridayReply = "Friday at ten is free.";
    private const string MondayReply = "Monday is fully booked.";

    [Fact]
    public async Task A_caller_whose_final_words_match_gets_the_answer_once_and_the_transcript_holds_only_what_was_said()
    {
        var agent = await stack.CreateAgentAsync(a => a with { PreemptiveGeneration = true, Script = [new("monday", MondayReply), new("friday", FridayReply)] });

        var call = await stack.CallAgentAsync(agent, new CallerScript().Say("Is Friday at ten free").HangUp());

        var turn = Assert.Single(Assert.Single(call.Events.OfType<RelaySessionEnded>()).Transcript!.Turns);
        Assert.NotNull(turn.LastWordAt); // the TwiML asked for partials, and the caller spoke them
        Assert.Equal(FridayReply, turn.Text);
        Assert.True(turn is { Completed: true, StaleTokens: 0 });
        var transcript = await stack.WaitForTranscriptAsync(call.Sid, 3);
        Assert.Equal(
            [(TurnRole.Agent, "Hello, this is the front desk."), (TurnRole.Caller, "Is Friday at ten free"), (TurnRole.Agent, FridayReply)],
            transcript.Select(t => (t.Role, t.Text)));
    }

    [Fact]
    public async Task A_misheard_final_gets_the_answer_to_the_final_words_and_nothing_of_the_speculation()
    {
        var agent = await stack.CreateAgentAsync(a => a with { PreemptiveGeneration = true, Script = [new("monday", MondayReply), new("friday", FridayReply)] });

        var call = await stack.CallAgentAsync(agent, new CallerScript().SayMisheard("Is Monday free", "Is Friday free").HangUp());

        var turn = Assert.Single(Assert.Single(call.Events.OfType<RelaySessionEnded>()).Transcript!.Turns);
        Assert.NotNull(turn.LastWordAt);
        Assert.Equal(FridayReply, turn.Text);
        var transcript = await stack.WaitForTranscriptAsync(call.Sid, 3);
        Assert.Equal(
            [(TurnRole.Agent, "Hello, this is the front desk."), (TurnRole.Caller, "Is Friday free"), (TurnRole.Agent, FridayReply)],
            transcript.Select(t => (t.Role, t.Text)));
    }

    [Fact]
    public async Task Without_the_feature_the_caller_sends_final_prompts_only()
    {
        var agent = await stack.CreateAgentAsync(a => a with { Script = [new("friday", FridayReply)] });

        var call = await stack.CallAgentAsync(agent, new CallerScript().SayMisheard("Is Monday free", "Is Friday free").HangUp());

        var turn = Assert.Single(Assert.Single(call.Events.OfType<RelaySessionEnded>()).Transcript!.Turns);
        Assert.Null(turn.LastWordAt);
        Assert.Equal(("Is Friday free", FridayReply), (turn.Prompt, turn.Text));
    }
}
