using System.Net;
using AgentOS.Voice.Simulator;
using AgentOS.Voice.Simulator.Calls;

namespace AgentOS.Voice.EndToEnd.Tests.Messages;

/// <summary>Messages from the API to the (simulated) phone and back through Twilio's webhooks.</summary>
public sealed class MessageDeliveryTests(MessagesFixture fixture) : IClassFixture<MessagesFixture>
{
    private static readonly TimeSpan CallWait = TimeSpan.FromSeconds(60);
    private MessagesApp App => fixture.App;
    private PhoneSimulator Simulator => fixture.Simulator;

    [Fact]
    public async Task A_message_now_is_played_its_answer_recorded_and_the_record_completed()
    {
        await App.CreateAgentAsync("reminders-now", "+15550000001");
        Simulator.Numbers["+15551000001"] = NumberBehavior.Person(recordingSeconds: 4);

        var accepted = await App.SendAsync("reminders-now", new { to = "+15551000001", text = "Your appointment is tomorrow at nine.", record = true });
        Assert.Equal($"/api/agents/reminders-now/messages/{accepted.Id()}", accepted.String("statusUrl"));

        var done = await App.WaitForStateAsync("reminders-now", accepted.Id(), "completed");
        var call = await Simulator.WaitForStatusAsync(done.String("callSid")!, "completed", CallWait);
        var played = Assert.Single(call.Events.OfType<AudioPlayed>());
        Assert.True(played.Playable, played.Error);
        Assert.Equal("wav/mulaw", played.Format);
        Assert.Equal(8000, played.SampleRate);
        Assert.True(played.Duration > TimeSpan.FromSeconds(1));
        var recording = Assert.Single(call.Events.OfType<RecordingMade>());

        Assert.Equal(recording.RecordingUrl, done.String("recordingUrl"));
        Assert.Equal(recording.RecordingSid, done.String("recordingSid"));
        Assert.Equal(4, done.GetProperty("recordingDurationSeconds").GetInt32());
        Assert.Equal(1, done.GetProperty("attempts").GetInt32());
        Assert.Equal(["queued", "rendering", "calling", "in-progress", "completed"], done.HistoryStates());
        Assert.Equal("+15550000001", call.From);
    }

    [Fact]
    public async Task A_person_is_hung_up_on_right_after_the_message_instead_of_hearing_dead_air()
    {
        await App.CreateAgentAsync("reminders-person", "+15550000006");
        Simulator.Numbers["+15551000006"] = NumberBehavior.Person();

        var accepted = await App.SendAsync("reminders-person", new { to = "+15551000006", text = "Your parcel arrives today." });

        var done = await App.WaitForStateAsync("reminders-person", accepted.Id(), "completed");
        Assert.Equal("human", done.String("answeredBy"));
        var call = Simulator.FindCall(done.String("callSid")!)!;
        Assert.True(Assert.Single(call.Events.OfType<AudioPlayed>()).Playable);
        var verbs = call.Events.OfType<VerbExecuted>().Select(v => v.Verb).ToList();
        Assert.Equal("Hangup", verbs[^1]);
        // At most one short wait, if the machine-detection verdict was still on its way when the message ended.
        Assert.True(verbs.Count(v => v == "Pause") <= 1, string.Join(", ", verbs));
    }

    [Fact]
    public async Task A_scheduled_message_is_called_when_due_and_not_before()
    {
        await App.CreateAgentAsync("reminders-later", "+15550000002");
        var sendAt = DateTimeOffset.UtcNow.AddSeconds(4);

        var accepted = await App.SendAsync("reminders-later", new { to = "+15551000002", text = "Time to take your medicine.", sendAt });
        Assert.Equal("queued", accepted.State());

        var done = await App.WaitForStateAsync("reminders-later", accepted.Id(), "completed");
        var call = Simulator.FindCall(done.String("callSid")!)!;
        Assert.True(call.DateCreated >= sendAt, $"called at {call.DateCreated:O}, due at {sendAt:O}");
        Assert.Single(Simulator.Calls, c => c.To == "+15551000002");
    }

    [Fact]
    public async Task A_voicemail_box_gets_the_message_after_its_beep()
    {
        await App.CreateAgentAsync("reminders-vm", "+15550000003");
        Simulator.Numbers["+15551000003"] = NumberBehavior.Voicemail(greetingSeconds: 6);

        var accepted = await App.SendAsync("reminders-vm", new { to = "+15551000003", text = "This is your pharmacy. Your order is ready." });

        var done = await App.WaitForStateAsync("reminders-vm", accepted.Id(), "completed");
        var call = Simulator.FindCall(done.String("callSid")!)!;
        Assert.Equal("machine_end_beep", done.String("answeredBy"));
        Assert.Contains(call.Events.OfType<BeepHeard>(), _ => true);
        var afterBeep = Assert.Single(call.Events.OfType<AudioPlayed>(), p => p.BeforeBeep == false);
        Assert.True(afterBeep.Playable, afterBeep.Error);
        Assert.Contains(done.GetProperty("history").EnumerateArray(),
            h => h.GetProperty("detail").GetString() == "message played again after the voicemail beep");
    }

    [Theory]
    [InlineData("+15551000004", "busy")]
    [InlineData("+15551000005", "no-answer")]
    public async Task Busy_and_unanswered_calls_are_recorded_as_such(string number, string state)
    {
        var agentId = "reminders-" + state;
        await App.CreateAgentAsync(agentId, "+1555000000" + (state == "busy" ? "4" : "5"));
        Simulator.Numbers[number] = state == "busy" ? NumberBehavior.Busy : NumberBehavior.NoAnswer;

        var accepted = await App.SendAsync(agentId, new { to = number, text = "We could not reach you." });

        var done = await App.WaitForStateAsync(agentId, accepted.Id(), state);
        Assert.NotNull(done.String("callSid"));
        Assert.DoesNotContain("in-progress", done.HistoryStates());
    }

    [Fact]
    public async Task The_same_idempotency_key_gives_the_first_message_and_one_call_and_other_words_get_409()
    {
        // A number of its own: the simulator is shared by the class and another test calls +15551000006.
        await App.CreateAgentAsync("reminders-idem", "+15550000006");
        Simulator.Numbers["+15551000026"] = NumberBehavior.Person();
        var body = new { to = "+15551000026", text = "Your parcel arrives today.", idempotencyKey = "parcel-42" };

        var first = await App.SendAsync("reminders-idem", body);
        var second = await App.SendAsync("reminders-idem", body with { });
        var refused = await App.SendAsync("reminders-idem",
            new { to = "+15551000026", text = "Different words, same key.", idempotencyKey = "parcel-42" }, HttpStatusCode.Conflict);

        Assert.Equal(first.Id(), second.Id());
        Assert.Contains("text", refused.GetRawText());
        var done = await App.WaitForStateAsync("reminders-idem", first.Id(), "completed");
        Assert.Equal("Your parcel arrives today.", done.String("text"));
        Assert.Single(Simulator.Calls, c => c.To == "+15551000026");
    }
}
