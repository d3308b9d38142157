using System.Text;
using System.Text.Json;
using AgentOS.Voice.Messages;
using AgentOS.Voice.Outcomes;
using AgentOS.Voice.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace AgentOS.Voice.Core.Tests.Outcomes;

public class OutcomeMakerTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task An_end_reported_early_twice_and_concurrently_makes_one_outcome_with_one_delivery()
    {
        await using var h = new OutcomeHarness(azurite);
        await h.AddAgentAsync("clinic", "https://clinic.example/hooks/outcomes");
        var maker = h.Get<OutcomeMaker>();
        var request = OutcomeHarness.Request("call", "clinic", "call-1");

        // The end is reported before the record says so: not ready, the queue will try again.
        await h.AddEndedCallAsync("clinic", "call-1", ended: false);
        await Assert.ThrowsAsync<OutcomeNotReadyException>(() => maker.ProcessAsync(request));
        await h.AddEndedCallAsync("clinic", "call-1");
        await Task.WhenAll(maker.ProcessAsync(request), maker.ProcessAsync(request));
        await maker.ProcessAsync(request);

        var outcomes = await h.DrainAsync(OutcomeOptions.OutcomeQueue);
        var deliveries = await h.DrainAsync(OutcomeOptions.WebhookQueue);
        // Two workers racing may both hand over before either marks it done; the webhook-id is what stays one.
        Assert.InRange(outcomes.Count, 1, 2);
        Assert.Single(outcomes.Select(o => JsonDocument.Parse(o).RootElement.GetProperty("webhookId").GetString()).Distinct());
        Assert.Equal(outcomes.Count, deliveries.Count);

        using var doc = JsonDocument.Parse(outcomes[0]);
        var o = doc.RootElement;
        Assert.Equal("call.outcome", o.GetProperty("type").GetString());
        Assert.Equal("outcome_call_call-1", o.GetProperty("webhookId").GetString());
        Assert.Equal("completed", o.GetProperty("status").GetString());
        Assert.Equal("agent-ended", o.GetProperty("endReason").GetString());
        Assert.Equal(125, o.GetProperty("durationSeconds").GetDouble());
        Assert.Equal(6, o.GetProperty("transcript").GetArrayLength());
        Assert.True(o.GetProperty("transcript")[3].GetProperty("interrupted").GetBoolean());
        Assert.Equal(1, o.GetProperty("interruptions").GetInt32());
        Assert.Equal(200, o.GetProperty("firstTokenMs").GetProperty("p50").GetDouble());
        Assert.Equal(400, o.GetProperty("firstTokenMs").GetProperty("p95").GetDouble());
        Assert.Equal(1, o.GetProperty("tools").GetProperty("calls").GetInt32());
        Assert.Equal(0, o.GetProperty("tools").GetProperty("failures").GetInt32());
        Assert.StartsWith("Scripted summary. A outbound call", o.GetProperty("summary").GetString());
        Assert.True(o.GetProperty("fields").GetProperty("booked").GetBoolean());
        Assert.Equal("Friday 10:00", o.GetProperty("fields").GetProperty("slot").GetString());

        // 125 s is three started minutes: 3 × 0.014 + 3 × 0.07, plus 2,000 × 0.15/M and 300 × 0.60/M.
        var cost = o.GetProperty("cost");
        Assert.Equal(0.042m, cost.GetProperty("breakdown").GetProperty("telephone").GetDecimal());
        Assert.Equal(0.21m, cost.GetProperty("breakdown").GetProperty("conversationRelay").GetDecimal());
        Assert.Equal(0.0003m, cost.GetProperty("breakdown").GetProperty("llmInput").GetDecimal());
        Assert.Equal(0.00018m, cost.GetProperty("breakdown").GetProperty("llmOutput").GetDecimal());
        Assert.Equal(0.25248m, cost.GetProperty("total").GetDecimal());
        Assert.Equal("USD", cost.GetProperty("currency").GetString());
        Assert.Contains("2025", cost.GetProperty("pricesAsOf").GetString());
    }

    [Fact]
    public async Task A_message_answered_by_voicemail_gets_an_outcome_after_its_final_state_and_not_before()
    {
        await using var h = new OutcomeHarness(azurite);
        await h.AddAgentAsync("clinic");
        var store = h.Get<IVoiceMessageStore>();
        var (message, _) = await store.AddAsync(new VoiceMessage
        {
            Id = "msg-1", AgentId = "clinic", To = "+14155550100", Text = "Your appointment is on Friday at ten.",
            State = MessageState.InProgress, CreatedAt = h.Time.GetUtcNow(), UpdatedAt = h.Time.GetUtcNow(),
        });
        var maker = h.Get<OutcomeMaker>();
        var request = OutcomeHarness.Request("message", "clinic", "msg-1");

        await Assert.ThrowsAsync<OutcomeNotReadyException>(() => maker.ProcessAsync(request));
        await store.TryReplaceAsync(message.Transition(MessageState.Completed, h.Time.GetUtcNow()) with { AnsweredBy = "machine_end_beep", CallDurationSeconds = 21 });
        await maker.ProcessAsync(request);
        await maker.ProcessAsync(request);

        var outcome = Assert.Single(await h.DrainAsync(OutcomeOptions.OutcomeQueue));
        Assert.Empty(await h.DrainAsync(OutcomeOptions.WebhookQueue));
        using var doc = JsonDocument.Parse(outcome);
        var o = doc.RootElement;
        Assert.Equal("message.outcome", o.GetProperty("type").GetString());
        Assert.Equal("completed", o.GetProperty("status").GetString());
        Assert.Equal("machine_end_beep", o.GetProperty("answeredBy").GetString());
        Assert.Equal("Your appointment is on Friday at ten.", o.GetProperty("transcript")[0].GetProperty("text").GetString());
        Assert.False(o.GetProperty("fields").GetProperty("booked").GetBoolean());
        // One started minute outbound and 37 characters of speech at 0.30 per thousand.
        Assert.Equal(0.014m, o.GetProperty("cost").GetProperty("breakdown").GetProperty("telephone").GetDecimal());
        Assert.Equal(0.0111m, o.GetProperty("cost").GetProperty("breakdown").GetProperty("tts").GetDecimal());
    }

    [Fact]
    public async Task A_recorded_answer_is_copied_from_twilio_into_private_storage_and_delivered_as_an_expiring_read_only_link()
    {
        var wav = Enumerable.Range(0, 4000).Select(i => (byte)i).ToArray();
        string? authorization = null;
        await using var twilio = await LoopbackApp.StartAsync(app => app.MapGet(
            $"/2010-04-01/Accounts/{OutcomeHarness.AccountSid}/Recordings/{{sid}}", (HttpRequest request, string sid) =>
            {
                authorization = request.Headers.Authorization.ToString();
                return sid == "RE1" ? Results.Bytes(wav, "audio/x-wav") : Results.NotFound();
            }));
        await using var h = new OutcomeHarness(azurite, ("Twilio:ApiBaseUrl", twilio.BaseUrl()), ("Outcomes:RecordingLinkLifetime", "01:00:00"));
        // Azurite checks the link's expiry against the real clock.
        h.Time.SetUtcNow(DateTimeOffset.UtcNow);
        await h.AddAgentAsync("clinic");
        var recordingUrl = $"{twilio.BaseUrl()}/2010-04-01/Accounts/{OutcomeHarness.AccountSid}/Recordings/RE1";
        await AddEndedMessageAsync(h, "msg-rec", recordingUrl, "RE1");
        await AddEndedMessageAsync(h, "msg-elsewhere", "https://example.com/recordings/RE2", "RE2");

        await h.Get<OutcomeMaker>().ProcessAsync(OutcomeHarness.Request("message", "clinic", "msg-rec"));
        await h.Get<OutcomeMaker>().ProcessAsync(OutcomeHarness.Request("message", "clinic", "msg-elsewhere"));

        var outcomes = (await h.DrainAsync(OutcomeOptions.OutcomeQueue)).Select(o => JsonDocument.Parse(o).RootElement).ToDictionary(o => o.GetProperty("id").GetString()!);
        var recording = outcomes["msg-rec"].GetProperty("recording");
        Assert.Equal("RE1", recording.GetProperty("sid").GetString());
        Assert.True(recording.GetProperty("stored").GetBoolean());
        Assert.Equal(h.Time.GetUtcNow().AddHours(1), recording.GetProperty("urlExpiresAt").GetDateTimeOffset());
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{OutcomeHarness.AccountSid}:{OutcomeHarness.AuthToken}")), authorization);

        var link = new Uri(recording.GetProperty("url").GetString()!);
        using var http = new HttpClient();
        Assert.Equal(wav, await http.GetByteArrayAsync(link));
        Assert.Contains("sp=r", link.Query);
        // The container is private: the same blob without the signature is refused.
        using var unsigned = await http.GetAsync(link.GetLeftPart(UriPartial.Path));
        Assert.False(unsigned.IsSuccessStatusCode);
        // The stored outcome keeps no link: every delivery makes its own.
        var stored = await h.Get<OutcomeStore>().GetAsync("clinic", "message", "msg-rec", CancellationToken.None);
        Assert.Null(stored!.Value.Outcome.Recording!.Url);

        // A recording URL that is not Twilio's is never fetched: the outcome names the recording without a link.
        var elsewhere = outcomes["msg-elsewhere"].GetProperty("recording");
        Assert.Equal("RE2", elsewhere.GetProperty("sid").GetString());
        Assert.False(elsewhere.GetProperty("stored").GetBoolean());
        Assert.False(elsewhere.TryGetProperty("url", out _));
    }

    private static async Task AddEndedMessageAsync(OutcomeHarness h, string id, string recordingUrl, string recordingSid) =>
        await h.Get<IVoiceMessageStore>().AddAsync(new VoiceMessage
        {
            Id = id, AgentId = "clinic", To = "+14155550100", Text = "Please confirm Friday at ten after the tone.",
            State = MessageState.Completed, CreatedAt = h.Time.GetUtcNow(), UpdatedAt = h.Time.GetUtcNow(), RecordRequested = true,
            AnsweredBy = "human", CallDurationSeconds = 30, RecordingUrl = recordingUrl, RecordingSid = recordingSid, RecordingDurationSeconds = 9,
        });
}
