using System.Net;
using System.Net.Http.Json;
using AgentOS.Voice.Simulator.Calls;
using AgentOS.Voice.Simulator.Tests.Support;

namespace AgentOS.Voice.Simulator.Tests;

public sealed class CallFlowTests
{
    [Fact]
    public async Task Outbound_call_fetches_signed_url_runs_verbs_in_order_and_reports_statuses_in_order()
    {
        await using var h = await Harness.StartAsync();
        h.App.Serve("/voice", $"""
            <Response>
              <Say voice="Polly.Joanna" language="en-US">Hello, this is a reminder.</Say>
              <Play>{h.App.Url("/audio/tone.wav")}</Play>
              <Record action="/recorded" maxLength="20"/>
              <Say>never reached: Record's action replaces the rest</Say>
            </Response>
            """);
        h.App.Serve("/recorded", "<Response><Say>Thanks</Say><Hangup/><Say>never</Say></Response>");

        var sid = await h.CreateCallAsync(Harness.PersonNumber,
            ("Url", h.App.Url("/voice")), ("StatusCallback", h.App.Url("/status")),
            ("StatusCallbackEvent", "initiated"), ("StatusCallbackEvent", "ringing"),
            ("StatusCallbackEvent", "answered"), ("StatusCallbackEvent", "completed"));
        var call = await h.Simulator.WaitForStatusAsync(sid, "completed", Harness.Timeout);
        await h.App.WaitForRequestAsync("/status", where: r => r["CallStatus"] == "completed");

        Assert.All(h.App.Requests, r => Assert.True(r.SignatureValid, $"{r.Method} {r.Url} was not signed correctly"));
        var voice = Assert.Single(h.App.RequestsTo("/voice"));
        Assert.Equal(("POST", sid, "in-progress", "outbound-api", Harness.AccountSid),
            (voice.Method, voice["CallSid"], voice["CallStatus"], voice["Direction"], voice["AccountSid"]));

        var statuses = h.App.RequestsTo("/status");
        Assert.Equal(["initiated", "ringing", "in-progress", "completed"], statuses.Select(s => s["CallStatus"]));
        Assert.Equal(["0", "1", "2", "3"], statuses.Select(s => s["SequenceNumber"]));
        Assert.All(statuses, s => Assert.Equal("call-progress-events", s["CallbackSource"]));
        Assert.True(int.Parse(statuses[^1]["CallDuration"]) > 0);

        var recorded = Assert.Single(h.App.RequestsTo("/recorded"));
        Assert.Equal("hangup", recorded["Digits"]);
        Assert.Equal("3", recorded["RecordingDuration"]);
        Assert.StartsWith("RE", recorded["RecordingSid"]);
        using (var recording = await new HttpClient().GetAsync(recorded["RecordingUrl"]))
        {
            recording.EnsureSuccessStatusCode();
            var check = Audio.AudioInspector.Inspect(await recording.Content.ReadAsByteArrayAsync());
            Assert.True(check.Playable, check.Error);
            Assert.Equal(3, check.Duration.TotalSeconds, 1);
        }

        var verbs = call.Events.Select(e => e switch
        {
            VerbExecuted v => v.Verb,
            AudioPlayed => "Play",
            _ => null,
        }).OfType<string>();
        Assert.Equal(["Say", "Play", "Record", "Say", "Hangup"], verbs);
        var play = Assert.Single(call.Events.OfType<AudioPlayed>());
        Assert.True(play.Playable, play.Error);
        Assert.Equal(("wav/mulaw", 8000, (bool?)null), (play.Format, play.SampleRate, play.BeforeBeep));
        Assert.Equal(1, play.Duration.TotalSeconds, 2);
        Assert.DoesNotContain(call.Events.OfType<VerbExecuted>(), v => v.Detail.Contains("never"));

        var resource = await h.Rest.GetFromJsonAsync<System.Text.Json.JsonElement>($"/2010-04-01/Accounts/{Harness.AccountSid}/Calls/{sid}.json");
        Assert.Equal("completed", resource.GetProperty("status").GetString());
        Assert.Equal(statuses[^1]["CallDuration"], resource.GetProperty("duration").GetString());
    }

    [Fact]
    public async Task Play_of_a_file_that_is_not_audio_is_recorded_as_a_failure_and_the_call_carries_on()
    {
        await using var h = await Harness.StartAsync();
        var sid = await h.CreateCallAsync(Harness.PersonNumber,
            ("Twiml", $"<Response><Play>{h.App.Url("/audio/page.wav")}</Play><Say>still here</Say></Response>"));

        var call = await h.Simulator.WaitForStatusAsync(sid, "completed", Harness.Timeout);

        var play = Assert.Single(call.Events.OfType<AudioPlayed>());
        Assert.False(play.Playable);
        Assert.Contains("neither a RIFF/WAVE file nor MP3", play.Error);
        Assert.Contains(call.Events.OfType<VerbExecuted>(), v => v.Verb == "Say" && v.Detail.Contains("still here"));
    }

    [Theory]
    [InlineData("busy")]
    [InlineData("no-answer")]
    [InlineData("failed")]
    public async Task Numbers_that_do_not_answer_end_with_their_status_and_never_request_the_url(string status)
    {
        await using var h = await Harness.StartAsync();
        h.Simulator.Numbers[Harness.PersonNumber] = status switch
        {
            "busy" => NumberBehavior.Busy,
            "no-answer" => NumberBehavior.NoAnswer,
            _ => NumberBehavior.Failed,
        };

        var sid = await h.CreateCallAsync(Harness.PersonNumber, ("Url", h.App.Url("/voice")), ("StatusCallback", h.App.Url("/status")), ("Timeout", "20"));
        var call = await h.Simulator.WaitForStatusAsync(sid, status, Harness.Timeout);
        var final = await h.App.WaitForRequestAsync("/status");

        Assert.Equal(status, final["CallStatus"]);
        Assert.Equal("0", final["CallDuration"]);
        Assert.True(final.SignatureValid);
        Assert.Empty(h.App.RequestsTo("/voice"));
        Assert.Null(call.StartTime);
    }

    [Fact]
    public async Task Updating_a_live_call_abandons_its_twiml_and_runs_the_new_one()
    {
        await using var h = await Harness.StartAsync();
        h.App.Serve("/voice", "<Response><Say>first</Say><Pause length=\"600\"/><Say>never</Say></Response>");
        h.App.Serve("/next", "<Response><Say>replaced</Say></Response>");
        var sid = await h.CreateCallAsync(Harness.PersonNumber, ("Url", h.App.Url("/voice")), ("Method", "GET"));
        await h.Simulator.WaitForCallAsync(c => c.Sid == sid && c.Events.OfType<VerbExecuted>().Any(v => v.Verb == "Pause"), Harness.Timeout);

        var updated = await h.PostCallUpdateAsync(sid, HttpStatusCode.OK, ("Url", h.App.Url("/next")));
        Assert.Equal("in-progress", updated.GetProperty("status").GetString());
        var call = await h.Simulator.WaitForStatusAsync(sid, "completed", Harness.Timeout);

        var said = call.Events.OfType<VerbExecuted>().Where(v => v.Verb == "Say").Select(v => v.Detail).ToList();
        Assert.Equal(2, said.Count);
        Assert.Contains("first", said[0]);
        Assert.Contains("replaced", said[1]);
        var voice = Assert.Single(h.App.RequestsTo("/voice"));
        Assert.Equal("GET", voice.Method);
        Assert.True(voice.SignatureValid, "a GET is signed over the full URL with its query");
        Assert.Equal(sid, voice["CallSid"]);

        await h.PostCallUpdateAsync(sid, HttpStatusCode.BadRequest, ("Twiml", "<Response/>"));
    }

    [Fact]
    public async Task Status_completed_hangs_up_a_live_call()
    {
        await using var h = await Harness.StartAsync();
        var sid = await h.CreateCallAsync(Harness.PersonNumber, ("Twiml", "<Response><Pause length=\"600\"/></Response>"));
        await h.Simulator.WaitForStatusAsync(sid, "in-progress", Harness.Timeout);

        await h.PostCallUpdateAsync(sid, HttpStatusCode.OK, ("Status", "completed"));

        var call = await h.Simulator.WaitForStatusAsync(sid, "completed", Harness.Timeout);
        Assert.NotNull(call.EndTime);
    }
}
