using AgentOS.Voice.Agents;
using AgentOS.Voice.Core.Tests.Twilio;
using AgentOS.Voice.Messages;
using AgentOS.Voice.Storage;
using AgentOS.Voice.Twilio;
using AgentOS.Voice.Twilio.Twiml;
using Azure.Storage.Queues;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AgentOS.Voice.Core.Tests.Messages;

public sealed class VoiceMessageRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly VoiceMessageOptions Options = new() { MaxTextLength = 20 };

    [Fact]
    public void Every_bad_field_is_named_at_once()
    {
        var errors = VoiceMessageValidator.Validate(
            new VoiceMessageJob { To = "0044 20 7946", Text = new string('a', 21), SendAt = Now.AddHours(-1), IdempotencyKey = "", Voice = " " },
            Now, Options);

        Assert.Equal(["idempotencyKey", "sendAt", "text", "to", "voice"], errors.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("at most 20", errors["text"][0]);
    }

    [Fact]
    public void A_number_with_a_trailing_newline_and_text_with_control_characters_are_refused()
    {
        var errors = VoiceMessageValidator.Validate(new VoiceMessageJob { To = "+15550001299\n", Text = "\u0000", Voice = "v\u0001" }, Now, Options);

        Assert.Equal(["text", "to", "voice"], errors.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("U+0000", errors["text"][0], StringComparison.Ordinal);
    }

    [Fact]
    public void Retry_delays_double_to_their_cap_and_the_defaults_retry_for_at_least_half_an_hour()
    {
        var o = new VoiceMessageOptions();
        var delays = Enumerable.Range(1, 12).Select(n => VoiceMessageDispatcher.RetryDelay(n, o)).ToList();

        Assert.Equal([15, 30, 60, 120, 240, 480, 600, 600], delays.Take(8).Select(d => d.TotalSeconds));
        Assert.True(o.RetryWindow >= TimeSpan.FromMinutes(30));
        // Retries fit in the window until their delays add up to it: well past the 10 seconds the host's five tries took.
        var spent = TimeSpan.Zero;
        var tries = 0;
        foreach (var delay in delays.Concat(Enumerable.Repeat(o.RetryMaxDelay, 20)))
        {
            if (spent + delay > o.RetryWindow)
            {
                break;
            }

            spent += delay;
            tries++;
        }

        Assert.True(spent >= TimeSpan.FromMinutes(30), $"retried for {spent} over {tries} tries");
    }

    [Fact]
    public void A_job_with_a_duplicate_member_is_not_a_job()
    {
        var e = Assert.Throws<VoiceMessageRejectedException>(() =>
            VoiceMessageJob.Parse("""{"agentId":"a","to":"+15550001111","to":"+15550002222","text":"hi","messageId":"m1"}"""));

        Assert.Contains("to", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_job_differs_from_its_record_only_in_what_it_asks_for()
    {
        var stored = new VoiceMessage { Id = "m", AgentId = "a", To = "+15550001111", Text = "Hi", RecordRequested = true, IdempotencyKey = "k" };
        var copy = VoiceMessageJob.For(stored);

        Assert.Empty(copy.DifferencesFrom(stored with { State = MessageState.Completed, Attempts = 3 }));
        Assert.Equal(["to", "voice", "record"], (copy with { To = "+15550002222", Voice = "x", Record = null }).DifferencesFrom(stored));
    }

    [Fact]
    public void A_good_message_passes_and_a_slightly_late_send_time_is_accepted()
    {
        var errors = VoiceMessageValidator.Validate(
            new VoiceMessageJob { To = "+442079460000", Text = "Hello there", SendAt = Now.AddMinutes(-2) }, Now, Options);

        Assert.Empty(errors);
    }

    [Fact]
    public void A_queue_job_needs_an_agent_and_something_to_dedupe_on_but_not_a_future_send_time()
    {
        var errors = VoiceMessageValidator.ValidateJob(
            new VoiceMessageJob { To = "+442079460000", Text = "Hello", SendAt = Now.AddDays(-3) }, Now, Options);

        Assert.Equal(["agentId", "messageId"], errors.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Idempotency_keys_map_to_one_id_per_agent()
    {
        var id = MessageIds.ForIdempotencyKey("agent-a", "key-1");

        Assert.Equal(id, MessageIds.ForIdempotencyKey("agent-a", "key-1"));
        Assert.NotEqual(id, MessageIds.ForIdempotencyKey("agent-b", "key-1"));
        Assert.NotEqual(MessageIds.ForIdempotencyKey("a", "b|c"), MessageIds.ForIdempotencyKey("a|b", "c"));
        Assert.True(MessageIds.IsValid(id));
        Assert.True(MessageIds.IsValid(MessageIds.New()));
        Assert.False(MessageIds.IsValid("a/b"));
    }

    [Theory]
    [InlineData(RecordingPolicy.Never, true, false)]
    [InlineData(RecordingPolicy.OnRequest, true, true)]
    [InlineData(RecordingPolicy.OnRequest, false, false)]
    [InlineData(RecordingPolicy.Always, false, true)]
    public void Recording_follows_the_agents_policy(RecordingPolicy policy, bool requested, bool expected) =>
        Assert.Equal(expected, VoiceMessageDispatcher.ShouldRecord(policy, requested));

    [Theory]
    [InlineData("ringing", null)]
    [InlineData("in-progress", MessageState.InProgress)]
    [InlineData("completed", MessageState.Completed)]
    [InlineData("no-answer", MessageState.NoAnswer)]
    [InlineData("busy", MessageState.Busy)]
    public void Call_statuses_map_to_message_states(string status, MessageState? expected) =>
        Assert.Equal(expected, MessageStates.FromCallStatus(status));

    [Fact]
    public void Waits_longer_than_the_queue_allows_are_capped_at_seven_days()
    {
        var time = new FakeTimeProvider(Now);
        var sender = new QueueSender(new QueueServiceClient("UseDevelopmentStorage=true"), Microsoft.Extensions.Options.Options.Create(new StorageOptions()));
        var queue = new VoiceMessageQueue(sender, time);

        Assert.Null(queue.DelayUntil(null));
        Assert.Null(queue.DelayUntil(Now.AddSeconds(-1)));
        Assert.Equal(TimeSpan.FromHours(5), queue.DelayUntil(Now.AddHours(5)));
        Assert.Equal(TimeSpan.FromDays(7), queue.DelayUntil(Now.AddDays(30)));
    }

    [Fact]
    public void The_call_plays_the_audio_records_when_asked_and_reports_progress_and_machine_detection()
    {
        var factory = CallFactory();
        var message = new VoiceMessage { Id = "msg_1", AgentId = "clinic", To = "+15551230000", Text = "Hi" };
        var audio = new Uri("https://store.example.com/voice-audio/abc.wav?sv=1&sig=x");

        var recorded = factory.CreateCall(message, "+15550000000", audio, record: true);
        var played = factory.Twiml(message, audio, record: false).ToTwiml();

        XmlEquivalence.AssertEquivalent(
            """<Response><Play>https://store.example.com/voice-audio/abc.wav?sv=1&amp;sig=x</Play><Record action="https://voice.example.com/api/twilio/messages/clinic/msg_1/recording" method="POST" maxLength="120" playBeep="true" /></Response>""",
            recorded.Twiml.ToString());
        Assert.Contains("<Redirect method=\"POST\">https://voice.example.com/api/twilio/messages/clinic/msg_1/after-play?waited=0</Redirect>", played);
        Assert.DoesNotContain("<Record", played);
        Assert.Equal("https://voice.example.com/api/twilio/messages/clinic/msg_1/status", recorded.StatusCallback.AbsoluteUri);
        Assert.Equal("https://voice.example.com/api/twilio/messages/clinic/msg_1/amd", recorded.AsyncAmdStatusCallback.AbsoluteUri);
        Assert.Equal("DetectMessageEnd", recorded.MachineDetection);
        Assert.Equal("true", recorded.AsyncAmd);
        Assert.Equal(["initiated", "ringing", "answered", "completed"], recorded.StatusCallbackEvent);
    }

    [Theory]
    [InlineData("human", 0, "<Hangup />")]
    [InlineData("unknown", 0, "<Hangup />")]
    [InlineData(null, 0, "<Pause length=\"2\" /><Redirect method=\"POST\">https://voice.example.com/api/twilio/messages/clinic/msg_1/after-play?waited=2</Redirect>")]
    [InlineData("machine_end_beep", 4, "<Pause length=\"2\" /><Redirect method=\"POST\">https://voice.example.com/api/twilio/messages/clinic/msg_1/after-play?waited=6</Redirect>")]
    [InlineData(null, 29, "<Pause length=\"1\" /><Redirect method=\"POST\">https://voice.example.com/api/twilio/messages/clinic/msg_1/after-play?waited=30</Redirect>")]
    [InlineData(null, 30, "<Hangup />")]
    public void After_the_message_a_person_is_hung_up_on_and_the_line_is_held_only_while_a_beep_may_come(string? answeredBy, int waited, string expected)
    {
        var message = new VoiceMessage { Id = "msg_1", AgentId = "clinic", To = "+15551230000", Text = "Hi", AnsweredBy = answeredBy };

        var twiml = CallFactory().AfterPlayTwiml(message, waited).ToTwiml();

        XmlEquivalence.AssertEquivalent($"""<Response>{expected}</Response>""", twiml);
    }

    private static VoiceMessageCallFactory CallFactory() => new(
        Microsoft.Extensions.Options.Options.Create(new PublicUrlOptions { FunctionsBaseUrl = "https://voice.example.com/" }),
        Microsoft.Extensions.Options.Options.Create(new VoiceMessageOptions()));
}
