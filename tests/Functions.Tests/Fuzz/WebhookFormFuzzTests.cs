using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Xml;
using System.Xml.Linq;
using AgentOS.Voice.Calls;
using AgentOS.Voice.Functions.Tests.Calls;
using AgentOS.Voice.TestSupport;
using AgentOS.Voice.TestSupport.Fuzz;

namespace AgentOS.Voice.Functions.Tests.Fuzz;

/// <summary>
/// Thousands of correctly signed Twilio webhooks with mutated fields (odd values, missing and unknown fields) into
/// every Twilio-facing endpoint of the real app: each is answered with TwiML a caller can hear, a 2xx, or a 4xx;
/// never a 5xx, which Twilio would speak as "an application error". The seed and the case are in every failure.
/// </summary>
public sealed class WebhookFormFuzzTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private const int Cases = 2000;

    private readonly FuzzCorpus _corpus = new();
    private LiveCallTestApp _t = null!;

    public async Task InitializeAsync() => _t = await LiveCallTestApp.StartAsync(azurite);

    public async Task DisposeAsync() => await _t.DisposeAsync();

    [Fact]
    public async Task Signed_webhooks_with_mutated_fields_get_twiml_a_2xx_or_a_4xx_never_a_5xx()
    {
        var agent = await _t.AddAgentAsync(a => a with { TransferNumber = "+14155550199" });
        var sid = LiveCallTestApp.NewCallSid();
        await _t.TwimlAsync($"/agents/{agent.Id}/incoming-call", LiveCallTestApp.VoiceForm(sid));
        var outboundId = Guid.NewGuid().ToString("n");
        await _t.Contexts.SaveAsync(new CallContext { CallId = outboundId, AgentId = agent.Id, To = "+14155550123", From = agent.PhoneNumber, Context = new Dictionary<string, string> { ["name"] = "Ada" } });
        var message = await ScheduledMessageAsync(agent.Id);

        // Each endpoint with the form Twilio documents for it, against records that exist, so the mutations reach past the lookups.
        (string Path, Dictionary<string, string> Form)[] webhooks =
        [
            ($"/agents/{agent.Id}/incoming-call", LiveCallTestApp.VoiceForm(LiveCallTestApp.NewCallSid())),
            ($"/agents/{agent.Id}/outbound-call?callId={outboundId}", LiveCallTestApp.VoiceForm(LiveCallTestApp.NewCallSid(), ("Direction", "outbound-api"))),
            ($"/agents/{agent.Id}/relay-action?callId={sid}&attempt=1", LiveCallTestApp.VoiceForm(sid,
                ("SessionStatus", "ended"), ("SessionId", "VX1"), ("SessionDuration", "12"), ("HandoffData", """{"reasonCode":"live-agent-handoff","reason":"caller asked"}"""))),
            ($"/agents/{agent.Id}/call-status?callId={sid}", LiveCallTestApp.VoiceForm(sid, ("CallStatus", "completed"), ("CallDuration", "42"), ("Timestamp", "Thu, 03 Dec 2026 07:00:00 +0000"))),
            ($"/api/twilio/messages/{agent.Id}/{message}/status", LiveCallTestApp.VoiceForm(LiveCallTestApp.NewCallSid(),
                ("CallStatus", "completed"), ("CallDuration", "7"), ("AnsweredBy", "human"), ("SequenceNumber", "3"))),
            ($"/api/twilio/messages/{agent.Id}/{message}/after-play?waited=0", LiveCallTestApp.VoiceForm(LiveCallTestApp.NewCallSid(), ("CallStatus", "in-progress"))),
            ($"/api/twilio/messages/{agent.Id}/{message}/recording", LiveCallTestApp.VoiceForm(LiveCallTestApp.NewCallSid(),
                ("RecordingUrl", "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1"), ("RecordingSid", "RE" + new string('1', 32)), ("RecordingDuration", "5"), ("Digits", "hangup"))),
            ($"/api/twilio/messages/{agent.Id}/{message}/amd", LiveCallTestApp.VoiceForm(LiveCallTestApp.NewCallSid(),
                ("AnsweredBy", "machine_end_beep"), ("MachineDetectionDuration", "3100"))),
        ];

        for (var i = 0; i < Cases; i++)
        {
            var (path, valid) = webhooks[_corpus.Random.Next(webhooks.Length)];
            var (index, mutation, form) = _corpus.MutateForm(valid);
            var what = $"FUZZ_SEED={_corpus.Seed} case {index} ({mutation}) POST {path} {JsonSerializer.Serialize(form)}";
            using var response = await _t.PostSignedAsync(path, form);
            await AssertTwilioCanUseAsync(response, what);
        }

        // The app still answers a plain call afterwards.
        var after = await _t.TwimlAsync($"/agents/{agent.Id}/incoming-call", LiveCallTestApp.VoiceForm(LiveCallTestApp.NewCallSid()));
        Assert.Equal(["Connect"], after.Elements().Select(e => e.Name.LocalName));
    }

    internal static async Task AssertTwilioCanUseAsync(HttpResponseMessage response, string what)
    {
        var status = (int)response.StatusCode;
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status < 500, $"{what}\n-> {status} {body}");
        if (response.StatusCode == HttpStatusCode.OK)
        {
            Assert.True(response.Content.Headers.ContentType?.MediaType == "text/xml", $"{what}\n-> 200 as {response.Content.Headers.ContentType}: {body}");
            try
            {
                Assert.True(XElement.Parse(body).Name.LocalName == "Response", $"{what}\n-> not TwiML: {body}");
            }
            catch (XmlException e)
            {
                Assert.Fail($"{what}\n-> XML Twilio cannot read ({e.Message}): {body}");
            }
        }
    }

    // A message due tomorrow: its record exists (callbacks find it) and no call is placed while the test runs.
    private async Task<string> ScheduledMessageAsync(string agentId)
    {
        using var api = _t.App.CreateManagementClient();
        using var response = await api.PostAsJsonAsync($"/api/agents/{agentId}/messages", new { to = "+14155550123", text = "Tomorrow.", sendAt = DateTimeOffset.UtcNow.AddDays(1) });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }
}
