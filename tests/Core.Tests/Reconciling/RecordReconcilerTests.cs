using AgentOS.Voice.Calls;
using AgentOS.Voice.Hosting;
using AgentOS.Voice.Messages;
using AgentOS.Voice.Outcomes;
using AgentOS.Voice.Reconciling;
using AgentOS.Voice.Simulator;
using AgentOS.Voice.Speech;
using AgentOS.Voice.Storage;
using AgentOS.Voice.TestSupport;
using AgentOS.Voice.Twilio;
using AgentOS.Voice.Twilio.Rest;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Twilio.Rest.Api.V2010.Account;
using Twilio.Types;

namespace AgentOS.Voice.Core.Tests.Reconciling;

/// <summary>
/// The reconciler against Azurite and the phone simulator: calls placed at the simulator whose status callbacks go to
/// an address nobody listens on (as when storage was out and the webhooks' buffer was lost), records left in a call
/// state, and a clock an hour ahead so they count as stuck.
/// </summary>
public sealed class RecordReconcilerTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private const string AgentId = "front-desk";
    private readonly string _prefix = "r" + Guid.NewGuid().ToString("n")[..8];
    private readonly PhoneSimulator _sim = new(new PhoneSimulatorOptions { AuthToken = "reconciler-test-token", TimeScale = 0.01 });
    private readonly AheadTimeProvider _time = new();
    private IHost _host = null!;

    public async Task InitializeAsync()
    {
        await _sim.StartAsync();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = azurite.ConnectionString,
            ["Storage:NamePrefix"] = _prefix,
            ["Twilio:AccountSid"] = _sim.AccountSid,
            ["Twilio:AuthToken"] = _sim.Options.AuthToken,
            ["Twilio:ApiBaseUrl"] = _sim.BaseUrl,
            ["Twilio:Resilience:Retry:Delay"] = "00:00:00.010",
            // Nothing listens here: the calls' status callbacks are lost.
            ["PublicUrls:FunctionsBaseUrl"] = $"http://127.0.0.1:{FreePort.Next()}",
            ["Speech:Provider"] = "espeak",
        });
        builder.AddServiceDefaults();
        builder.Services.AddAgentOsStorage(builder.Configuration);
        builder.Services.AddTwilio(builder.Configuration);
        builder.Services.AddSpeech(builder.Configuration, builder.Environment);
        builder.Services.AddVoiceMessages(builder.Configuration);
        builder.Services.AddCalls();
        builder.Services.AddReconciler(builder.Configuration);
        builder.Services.AddSingleton<TimeProvider>(_time);
        _host = builder.Build();
        await _host.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
        await _sim.DisposeAsync();
    }

    private IVoiceMessageStore Messages => _host.Services.GetRequiredService<IVoiceMessageStore>();

    private ICallStore Calls => _host.Services.GetRequiredService<ICallStore>();

    private async Task<IReadOnlyList<Reconciled>> RunAsync()
    {
        _time.Ahead = _host.Services.GetRequiredService<IOptions<ReconcilerOptions>>().Value.StuckAfter + TimeSpan.FromMinutes(1);
        try
        {
            return await _host.Services.GetRequiredService<RecordReconciler>().RunAsync(CancellationToken.None);
        }
        finally
        {
            _time.Ahead = TimeSpan.Zero;
        }
    }

    /// <summary>A call at the simulator running <paramref name="twiml"/>, its status callbacks sent where nobody listens.</summary>
    private async Task<string> PlaceCallAsync(string twiml, string? waitForStatus = "completed")
    {
        var options = _host.Services.GetRequiredService<IOptions<TwilioOptions>>();
        var call = await _host.Services.GetRequiredService<TwilioClient>().CreateCallAsync(
            new CreateCallOptions(new PhoneNumber("+14155552671"), new PhoneNumber("+15005550006"))
            {
                Twiml = new Twiml(twiml),
                StatusCallback = new Uri(_host.Services.GetRequiredService<IConfiguration>()["PublicUrls:FunctionsBaseUrl"] + "/lost-status"),
                StatusCallbackEvent = ["initiated", "ringing", "answered", "completed"],
            });
        Assert.Equal(_sim.AccountSid, options.Value.AccountSid);
        await _sim.WaitForStatusAsync(call.Sid, waitForStatus ?? "in-progress", TimeSpan.FromSeconds(60));
        return call.Sid;
    }

    private async Task<VoiceMessage> AddMessageAsync(string id, MessageState state, string? callSid)
    {
        var now = DateTimeOffset.UtcNow;
        var message = new VoiceMessage
        {
            Id = id, AgentId = AgentId, To = "+14155552671", Text = "Your table is ready.", CreatedAt = now, ClaimedAt = now,
        }.Transition(state, now, "test") with { CallSid = callSid };
        return (await Messages.AddAsync(message)).Message;
    }

    private async Task AddCallAsync(string callId, string callSid) =>
        await Calls.UpsertCallAsync(new CallRecord
        {
            CallId = callId, AgentId = AgentId, CallSid = callSid, Direction = "inbound", From = "+14155552671", To = "+15005550006",
            StartedAt = DateTimeOffset.UtcNow, Attempt = 1,
        });

    /// <summary>Outcome requests queued (they are sent delayed, so counted rather than peeked).</summary>
    private async Task<int> OutcomeRequestsAsync()
    {
        var queue = new QueueServiceClient(azurite.ConnectionString).GetQueueClient(_prefix + OutcomeOptions.RequestQueue);
        return await queue.ExistsAsync() ? (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount : 0;
    }

    [Fact]
    public async Task A_message_whose_status_callbacks_never_arrived_is_settled_to_twilios_final_state()
    {
        var sid = await PlaceCallAsync("<Response><Say>Your table is ready.</Say></Response>");
        await AddMessageAsync("m-lost", MessageState.Calling, sid);

        var run = await RunAsync();

        Assert.Equal([new Reconciled(RecordReconciler.MessageKind, AgentId, "m-lost", ReconcileResult.Settled)], run);
        var message = await Messages.GetAsync(AgentId, "m-lost");
        Assert.Equal(MessageState.Completed, message!.State);
        Assert.Null(message.Error);
        Assert.NotNull(message.CallDurationSeconds);
        Assert.Contains(message.History, h => h.State == MessageState.Completed && h.Detail == "call completed");
        Assert.Equal(1, await OutcomeRequestsAsync());

        // Settled records are no longer stuck: the next run finds nothing.
        Assert.Empty(await RunAsync());
    }

    [Fact]
    public async Task A_live_call_record_stuck_in_progress_is_ended_with_twilios_billed_duration()
    {
        var sid = await PlaceCallAsync("<Response><Pause length=\"2\"/></Response>");
        await AddCallAsync(sid, sid);

        var run = await RunAsync();

        Assert.Equal([new Reconciled(RecordReconciler.CallKind, AgentId, sid, ReconcileResult.Settled)], run);
        var call = await Calls.GetCallAsync(sid);
        Assert.Equal((CallState.Ended, CallEndReasons.CallerHungUp, true), (call!.State, call.EndReason, call.Billed));
        Assert.Equal(_sim.FindCall(sid)!.Duration, (int)call.Duration.TotalSeconds);
        Assert.Equal(1, await OutcomeRequestsAsync());
    }

    [Fact]
    public async Task A_call_twilio_still_reports_in_progress_is_left_alone()
    {
        var sid = await PlaceCallAsync("<Response><Pause length=\"100000\"/></Response>", waitForStatus: null);
        await AddCallAsync(sid, sid);
        await AddMessageAsync("m-live", MessageState.Calling, sid);

        var run = await RunAsync();

        Assert.Equal(
            [new Reconciled(RecordReconciler.MessageKind, AgentId, "m-live", ReconcileResult.Live), new Reconciled(RecordReconciler.CallKind, AgentId, sid, ReconcileResult.Live)],
            run);
        Assert.Equal(CallState.InProgress, (await Calls.GetCallAsync(sid))!.State);
        var message = await Messages.GetAsync(AgentId, "m-live");
        Assert.Equal(MessageState.InProgress, message!.State);
        Assert.Equal($"reconciler: Twilio reports call {sid} in-progress", message.History[^1].Detail);
        Assert.Equal(0, await OutcomeRequestsAsync());
    }

    [Fact]
    public async Task Twilio_answering_5xx_leaves_the_record_for_the_next_run()
    {
        var sid = await PlaceCallAsync("<Response><Say>Hello.</Say></Response>");
        var stored = await AddMessageAsync("m-later", MessageState.InProgress, sid);
        await AddCallAsync("c-later", sid);

        _sim.Options.RestFailureStatus = 503;
        var run = await RunAsync();

        Assert.All(run, r => Assert.Equal(ReconcileResult.Deferred, r.Result));
        Assert.Equal(2, run.Count);
        Assert.Equal(stored.ETag, (await Messages.GetAsync(AgentId, "m-later"))!.ETag);
        Assert.Equal(CallState.InProgress, (await Calls.GetCallAsync("c-later"))!.State);
        Assert.Equal(0, await OutcomeRequestsAsync());

        _sim.Options.RestFailureStatus = null;
        var next = await RunAsync();

        Assert.All(next, r => Assert.Equal(ReconcileResult.Settled, r.Result));
        Assert.Equal(MessageState.Completed, (await Messages.GetAsync(AgentId, "m-later"))!.State);
        Assert.Equal(CallState.Ended, (await Calls.GetCallAsync("c-later"))!.State);
    }

    [Fact]
    public async Task Records_without_a_call_sid_or_with_one_twilio_does_not_know_fail_with_a_reason()
    {
        const string unknownSid = "CA00000000000000000000000000000404";
        await AddMessageAsync("m-no-sid", MessageState.Calling, callSid: null);
        await AddMessageAsync("m-unknown", MessageState.Calling, unknownSid);
        await AddCallAsync("c-no-sid", callSid: "");
        await AddCallAsync("c-unknown", unknownSid);

        var run = await RunAsync();

        Assert.Equal(4, run.Count);
        Assert.All(run, r => Assert.Equal(ReconcileResult.Failed, r.Result));
        var noSid = await Messages.GetAsync(AgentId, "m-no-sid");
        Assert.Equal((MessageState.Failed, MessageErrorCodes.CallOutcomeUnknown), (noSid!.State, noSid.Error!.Code));
        Assert.Contains("no call SID was saved", noSid.Error.Message);
        var unknown = await Messages.GetAsync(AgentId, "m-unknown");
        Assert.Equal((MessageState.Failed, "twilio-20404"), (unknown!.State, unknown.Error!.Code));
        Assert.Contains($"Twilio has no call {unknownSid}", unknown.Error.Message);
        var callNoSid = await Calls.GetCallAsync("c-no-sid");
        Assert.Equal((CallState.Ended, CallEndReasons.Error), (callNoSid!.State, callNoSid.EndReason));
        Assert.Contains("No Twilio call SID was recorded", callNoSid.LastError);
        var callUnknown = await Calls.GetCallAsync("c-unknown");
        Assert.Equal((CallState.Ended, "failed"), (callUnknown!.State, callUnknown.EndReason));
        Assert.Contains($"Twilio has no call {unknownSid}", callUnknown.LastError);
        Assert.Equal(4, await OutcomeRequestsAsync());
    }

    [Fact]
    public async Task Records_written_within_the_deadline_are_not_looked_at()
    {
        await AddMessageAsync("m-fresh", MessageState.Calling, callSid: null);
        await AddCallAsync("c-fresh", callSid: "");

        var run = await _host.Services.GetRequiredService<RecordReconciler>().RunAsync(CancellationToken.None);

        Assert.Empty(run);
        Assert.Equal(MessageState.Calling, (await Messages.GetAsync(AgentId, "m-fresh"))!.State);
    }

    /// <summary>The system clock, moved ahead while a test wants stored records to look old (Azure Tables stamps rows with its own clock).</summary>
    private sealed class AheadTimeProvider : TimeProvider
    {
        public TimeSpan Ahead { get; set; }

        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Ahead;
    }
}

public sealed class ReconcilerOptionsTests
{
    [Theory]
    [InlineData("", "Reconciler:Schedule is required")]
    [InlineData("*/5 * * * *", "is not an NCRONTAB schedule with seconds")]
    [InlineData("every 5 minutes", "is not an NCRONTAB schedule with seconds")]
    public void A_schedule_the_host_could_not_run_stops_the_start_naming_the_setting(string schedule, string error)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Reconciler:Schedule"] = schedule }).Build();
        using var services = new ServiceCollection().AddReconciler(configuration).BuildServiceProvider();

        var refused = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<ReconcilerOptions>>().Value);

        Assert.Contains(error, refused.Message);
    }

    [Fact]
    public void Six_field_schedules_and_the_default_deadline_are_accepted()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Reconciler:Schedule"] = "0 */5 * * * *" }).Build();
        using var services = new ServiceCollection().AddReconciler(configuration).BuildServiceProvider();

        var options = services.GetRequiredService<IOptions<ReconcilerOptions>>().Value;

        Assert.Equal((TimeSpan.FromMinutes(30), 200), (options.StuckAfter, options.MaxPerRun));
    }
}
