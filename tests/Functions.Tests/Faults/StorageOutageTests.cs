using System.Net;
using System.Net.Http.Json;
using AgentOS.Voice.Calls;
using AgentOS.Voice.Functions.Tests.Calls;
using AgentOS.Voice.Storage;
using AgentOS.Voice.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace AgentOS.Voice.Functions.Tests.Faults;

/// <summary>
/// The Functions app against an Azurite that is frozen (SIGSTOP: connections accepted, nothing answered) mid-test: Twilio still gets TwiML or a 2xx, deferred writes land once storage is back, and
/// the management API says 503 with Retry-After.
/// </summary>
public sealed class StorageOutageTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    // Short deadlines so an outage costs a test seconds, not the defaults' tens of seconds; a retry, because a first
    // table creation on a busy machine can take a second or more.
    internal static readonly (string Key, string Value)[] FastOutage =
    [
        ("Storage:NetworkTimeout", "00:00:03"),
        ("Storage:MaxRetries", "1"),
        ("Webhooks:StorageDeadline", "00:00:01"),
        ("StorageRetry:FirstDelay", "00:00:00.100"),
        ("StorageRetry:MaxDelay", "00:00:00.500"),
        ("StorageRetry:AttemptTimeout", "00:00:02"),
    ];

    private LiveCallTestApp _t = null!;

    public async Task InitializeAsync() => _t = await LiveCallTestApp.StartAsync(azurite, FastOutage);

    public async Task DisposeAsync() => await _t.DisposeAsync();

    [Fact]
    public async Task Frozen_storage_incoming_call_connects_a_known_agent_and_apologises_for_an_unseen_one()
    {
        // Created through this app, so it is in its memory; the other id may exist in storage, but not here.
        var known = await _t.AddAgentAsync();
        const string unseen = "never-seen-here";
        var sid = LiveCallTestApp.NewCallSid();

        azurite.Freeze();
        try
        {
            var connected = await _t.TwimlAsync($"/agents/{known.Id}/incoming-call", LiveCallTestApp.VoiceForm(sid));
            var apology = await _t.TwimlAsync($"/agents/{unseen}/incoming-call", LiveCallTestApp.VoiceForm(LiveCallTestApp.NewCallSid()));

            Assert.Equal(["Connect"], connected.Elements().Select(e => e.Name.LocalName));
            Assert.Equal(["Say", "Hangup"], apology.Elements().Select(e => e.Name.LocalName));
        }
        finally
        {
            azurite.Thaw();
        }

        // The record the recorder could not write then is written once storage answers again.
        var record = await _t.WaitForCallAsync(sid);
        Assert.Equal((known.Id, CallState.InProgress), (record.AgentId, record.State));
    }

    [Fact]
    public async Task Frozen_storage_status_callback_and_relay_action_answer_at_once_and_their_writes_land_later()
    {
        var agent = await _t.AddAgentAsync();
        var sid = LiveCallTestApp.NewCallSid();
        await _t.TwimlAsync($"/agents/{agent.Id}/incoming-call", LiveCallTestApp.VoiceForm(sid));
        await _t.WaitForCallAsync(sid);

        azurite.Freeze();
        try
        {
            var hangUp = await _t.TwimlAsync($"/agents/{agent.Id}/relay-action?callId={sid}&attempt=1", LiveCallTestApp.VoiceForm(sid, ("SessionStatus", "ended")));
            using var status = await _t.PostSignedAsync($"/agents/{agent.Id}/call-status?callId={sid}",
                LiveCallTestApp.VoiceForm(sid, ("CallStatus", "completed"), ("CallDuration", "42")));

            Assert.Equal(["Hangup"], hangUp.Elements().Select(e => e.Name.LocalName));
            Assert.Equal(HttpStatusCode.NoContent, status.StatusCode);
            Assert.True(_t.App.Services.GetRequiredService<StorageRetryBuffer>().Pending > 0, "the writes wait for storage");
        }
        finally
        {
            azurite.Thaw();
        }

        var retries = _t.App.Services.GetRequiredService<StorageRetryBuffer>();
        await Eventually.True(() => retries.Pending == 0, "the deferred writes to be done");
        Assert.Equal(0, retries.Dropped);
        var call = await _t.Calls.GetCallAsync(sid);
        Assert.Equal((CallState.Ended, CallEndReasons.AgentEnded), (call!.State, call.EndReason));
        Assert.Equal(TimeSpan.FromSeconds(42), call.EndedAt - call.StartedAt);
    }

    [Fact]
    public async Task Frozen_storage_outbound_call_connects_without_its_context_and_after_play_hangs_up()
    {
        var agent = await _t.AddAgentAsync();
        var callId = Guid.NewGuid().ToString("n");
        await _t.Contexts.SaveAsync(new CallContext { CallId = callId, AgentId = agent.Id, To = "+14155550123", From = agent.PhoneNumber, Context = new Dictionary<string, string> { ["name"] = "Ada" } });

        azurite.Freeze();
        try
        {
            var outbound = await _t.TwimlAsync($"/agents/{agent.Id}/outbound-call?callId={callId}",
                LiveCallTestApp.VoiceForm(LiveCallTestApp.NewCallSid(), ("Direction", "outbound-api")));
            var afterPlay = await _t.TwimlAsync($"/api/twilio/messages/{agent.Id}/m-unknown/after-play", LiveCallTestApp.VoiceForm(LiveCallTestApp.NewCallSid()));

            var relay = outbound.Descendants().Single(e => e.Name.LocalName == "ConversationRelay");
            Assert.Contains(relay.Elements(), e => (string?)e.Attribute("name") == "callId" && (string?)e.Attribute("value") == callId);
            Assert.DoesNotContain("Ada", outbound.ToString());
            Assert.Equal(["Hangup"], afterPlay.Elements().Select(e => e.Name.LocalName));
        }
        finally
        {
            azurite.Thaw();
        }
    }

    [Fact]
    public async Task Frozen_storage_management_api_answers_503_with_retry_after_then_serves_again()
    {
        var agent = await _t.AddAgentAsync();
        using var management = _t.App.CreateManagementClient();

        azurite.Freeze();
        try
        {
            await AssertUnavailable(await management.GetAsync("/api/agents"));
            await AssertUnavailable(await management.GetAsync($"/api/agents/{agent.Id}/calls"));
        }
        finally
        {
            azurite.Thaw();
        }

        Assert.Equal(HttpStatusCode.OK, (await management.GetAsync($"/api/agents/{agent.Id}")).StatusCode);
    }

    internal static async Task AssertUnavailable(HttpResponseMessage response)
    {
        using (response)
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(30), response.Headers.RetryAfter?.Delta);
            Assert.Contains("Storage is unavailable", await response.Content.ReadAsStringAsync());
        }
    }
}

/// <summary>Storage stopped for good (connections refused): its own Azurite, which the test kills.</summary>
public sealed class StoppedStorageTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task Stopped_storage_management_api_answers_503_and_an_incoming_call_to_a_known_agent_still_connects()
    {
        await using var t = await LiveCallTestApp.StartAsync(azurite, StorageOutageTests.FastOutage);
        var agent = await t.AddAgentAsync();
        using var management = t.App.CreateManagementClient();

        await azurite.StopAsync();

        await StorageOutageTests.AssertUnavailable(await management.GetAsync($"/api/agents/{agent.Id}/messages"));
        await StorageOutageTests.AssertUnavailable(await management.PostAsJsonAsync("/api/agents", new { id = "new-agent", name = "New", phoneNumber = "+14155550101" }));
        var twiml = await t.TwimlAsync($"/agents/{agent.Id}/incoming-call", LiveCallTestApp.VoiceForm(LiveCallTestApp.NewCallSid()));
        Assert.Equal(["Connect"], twiml.Elements().Select(e => e.Name.LocalName));
    }
}
