using System.Net;
using AgentOS.Voice.Simulator.Calls;
using AgentOS.Voice.Simulator.Tests.Support;

namespace AgentOS.Voice.Simulator.Tests;

public sealed class MachineDetectionTests
{
    [Fact]
    public async Task Voicemail_with_async_detect_message_end_reports_the_beep_and_a_message_sent_after_it_plays_after_the_beep()
    {
        // 50 simulated seconds of greeting at 0.04 = two real seconds: room for the first Play to start inside it.
        await using var h = await Harness.StartAsync(timeScale: 0.04);
        h.Simulator.Numbers[Harness.PersonNumber] = NumberBehavior.Voicemail(greetingSeconds: 50);
        h.App.Serve("/voice", $"<Response><Play>{h.App.Url("/audio/tone.wav")}</Play><Pause length=\"600\"/></Response>");

        var sid = await h.CreateCallAsync(Harness.PersonNumber,
            ("Url", h.App.Url("/voice")), ("MachineDetection", "DetectMessageEnd"), ("AsyncAmd", "true"),
            ("AsyncAmdStatusCallback", h.App.Url("/amd")), ("MachineDetectionTimeout", "59"));
        var amd = await h.App.WaitForRequestAsync("/amd");
        await h.PostCallUpdateAsync(sid, HttpStatusCode.OK, ("Twiml", $"<Response><Play>{h.App.Url("/audio/tone.wav")}</Play><Hangup/></Response>"));
        var call = await h.Simulator.WaitForStatusAsync(sid, "completed", Harness.Timeout);

        Assert.True(amd.SignatureValid);
        Assert.Equal(("machine_end_beep", "50000", sid, Harness.AccountSid),
            (amd["AnsweredBy"], amd["MachineDetectionDuration"], amd["CallSid"], amd["AccountSid"]));
        Assert.False(Assert.Single(h.App.RequestsTo("/voice")).Form.ContainsKey("AnsweredBy"));
        var plays = call.Events.OfType<AudioPlayed>().ToList();
        Assert.Equal([true, false], plays.Select(p => p.BeforeBeep));
        Assert.Equal("machine_end_beep", call.AnsweredBy);
        var order = call.Events.Select(e => e.GetType().Name).ToList();
        Assert.True(order.IndexOf(nameof(BeepHeard)) < order.LastIndexOf(nameof(AudioPlayed)));
    }

    [Fact]
    public async Task A_person_with_synchronous_detection_is_reported_human_in_the_url_request()
    {
        await using var h = await Harness.StartAsync();
        h.App.Serve("/voice", "<Response><Say>Hello</Say></Response>");

        var sid = await h.CreateCallAsync(Harness.PersonNumber, ("Url", h.App.Url("/voice")), ("MachineDetection", "Enable"));
        var call = await h.Simulator.WaitForStatusAsync(sid, "completed", Harness.Timeout);

        var voice = Assert.Single(h.App.RequestsTo("/voice"));
        Assert.Equal("human", voice["AnsweredBy"]);
        Assert.True(voice.SignatureValid);
        Assert.Equal("human", call.AnsweredBy);
        Assert.Empty(call.Events.OfType<BeepHeard>());
    }
}
