using AgentOS.Voice.Calls;
using AgentOS.Voice.Storage;
using AgentOS.Voice.TestSupport;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AgentOS.Voice.Core.Tests.Calls;

public sealed class TableCallStoreTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private readonly TableCallStore _store = new(
        new TableServiceClient(azurite.ConnectionString),
        Options.Create(new StorageOptions { NamePrefix = "t" + Guid.NewGuid().ToString("n")[..8] }),
        NullLogger<TableCallStore>.Instance);

    [Fact]
    public async Task Outbound_call_context_round_trips_and_unknown_ids_are_null()
    {
        var context = new CallContext
        {
            CallId = "c-ctx", AgentId = "front-desk", To = "+14155552671", From = "+15005550006",
            Context = new Dictionary<string, string> { ["name"] = "Ada", ["appointment"] = "Friday 9:00" },
            CreatedAt = new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero),
        };

        await _store.SaveAsync(context);

        var read = await _store.GetAsync("c-ctx");
        Assert.NotNull(read);
        Assert.Equal((context.AgentId, context.To, context.From, context.CreatedAt), (read.AgentId, read.To, read.From, read.CreatedAt));
        Assert.Equal(context.Context, read.Context);
        Assert.Null(await _store.GetAsync("c-missing"));
        Assert.Null(await _store.GetAsync("bad/id"));
    }

    [Fact]
    public async Task An_ended_record_stays_ended_when_a_late_in_progress_write_arrives()
    {
        var start = new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.Zero);
        var live = new CallRecord { CallId = "c-late", AgentId = "front-desk", StartedAt = start, TokensIn = 10, Attempt = 1 };
        await _store.UpsertCallAsync(live with { State = CallState.Ended, EndedAt = start.AddMinutes(1), EndReason = CallEndReasons.Error, LastError = "Twilio error 64105" });

        // The relay session's last in-progress write, queued before the end and stored after it.
        await _store.UpsertCallAsync(live with { TokensIn = 42 });

        var read = await _store.GetCallAsync("c-late");
        Assert.Equal((CallState.Ended, CallEndReasons.Error, start.AddMinutes(1), "Twilio error 64105", 42L),
            (read!.State, read.EndReason, read.EndedAt, read.LastError, read.TokensIn));
    }

    [Fact]
    public async Task A_retried_session_adds_its_counters_and_reopens_the_end_the_first_session_wrote()
    {
        var start = new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.Zero);
        var first = new CallRecord { CallId = "c-retry", AgentId = "front-desk", CallSid = "CA9", StartedAt = start, TokensIn = 300, TokensOut = 40, CharactersSpoken = 120, Attempt = 1 };
        // The first socket failed: that session saw a close and ended the record; Twilio noted the error and reconnected.
        await _store.UpsertCallAsync(first with { State = CallState.Ended, EndedAt = start.AddSeconds(30), EndReason = CallEndReasons.CallerHungUp });
        var second = new CallRecord { CallId = "c-retry", AgentId = "front-desk", CallSid = "CA9", StartedAt = start.AddSeconds(32), TokensIn = 50, TokensOut = 5, CharactersSpoken = 20, Attempt = 2 };
        await _store.UpsertCallAsync(second);

        var live = await _store.GetCallAsync("c-retry");
        Assert.Equal((CallState.InProgress, (string?)null, (DateTimeOffset?)null, start, 350L, 45L, 140L),
            (live!.State, live.EndReason, live.EndedAt, live.StartedAt, live.TokensIn, live.TokensOut, live.CharactersSpoken));

        await _store.UpsertCallAsync(second with { State = CallState.Ended, EndedAt = start.AddSeconds(90), EndReason = CallEndReasons.AgentEnded, TokensIn = 80 });
        // A webhook's write carries the totals it read: they are not any session's and change no counter.
        await _store.UpsertCallAsync((await _store.GetCallAsync("c-retry"))! with { LastError = "noted" });
        // The first session's last write, late: the record stays the second session's end.
        await _store.UpsertCallAsync(first with { TokensIn = 310 });

        var read = await _store.GetCallAsync("c-retry");
        Assert.Equal((CallState.Ended, CallEndReasons.AgentEnded, start.AddSeconds(90), 390L, 45L, "noted"),
            (read!.State, read.EndReason, read.EndedAt, read.TokensIn, read.TokensOut, read.LastError));
    }

    [Fact]
    public async Task Twilios_end_reason_and_billed_times_win_over_a_later_session_write()
    {
        var start = new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.Zero);
        var session = new CallRecord { CallId = "c-prec", AgentId = "front-desk", StartedAt = start.AddSeconds(2), Attempt = 1 };
        await _store.UpsertCallAsync(new CallRecord { CallId = "c-prec", AgentId = "front-desk", StartedAt = start, From = "+14155552671" });
        // Twilio's relay action: hand-off asked for, no transfer number, so the agent ended it; then the billed status.
        await _store.UpsertCallAsync(new CallRecord
        {
            CallId = "c-prec", AgentId = "front-desk", State = CallState.Ended, StartedAt = start, EndedAt = start.AddSeconds(61),
            EndReason = CallEndReasons.AgentEnded, LastError = "no transfer number",
        });
        await _store.UpsertCallAsync(new CallRecord
        {
            CallId = "c-prec", AgentId = "front-desk", State = CallState.Ended, StartedAt = start.AddSeconds(1), EndedAt = start.AddSeconds(60),
            EndReason = CallEndReasons.CallerHungUp, Billed = true,
        });

        // The session's own end lands last, from another agent's point of view of the numbers too.
        await _store.UpsertCallAsync(session with
        {
            AgentId = "other", From = "+15550000000", State = CallState.Ended, EndedAt = start.AddSeconds(62),
            EndReason = CallEndReasons.HandedOff, HandoffData = "{}", TokensIn = 7,
        });

        var read = await _store.GetCallAsync("c-prec");
        Assert.Equal(("front-desk", "+14155552671", CallEndReasons.AgentEnded, start.AddSeconds(1), start.AddSeconds(60), "{}", "no transfer number", 7L),
            (read!.AgentId, read.From, read.EndReason, read.StartedAt, read.EndedAt, read.HandoffData, read.LastError, read.TokensIn));
    }

    [Fact]
    public async Task Transcript_turns_come_back_in_order_and_a_rewritten_turn_replaces_the_first()
    {
        await _store.UpsertTurnAsync(Turn(2, TurnRole.Agent, "Sure, Friday works at nine.", firstTokenMs: 180.5, tokens: 7));
        await _store.UpsertTurnAsync(Turn(0, TurnRole.Agent, "Hello!"));
        await _store.UpsertTurnAsync(Turn(1, TurnRole.Caller, "Friday?"));
        await _store.UpsertTurnAsync(Turn(2, TurnRole.Agent, "Sure, Friday", firstTokenMs: 180.5, tokens: 7) with { Interrupted = true });
        await _store.UpsertCallAsync(new CallRecord { CallId = "c-t", AgentId = "front-desk" });

        var turns = await _store.GetTranscriptAsync("c-t");

        Assert.Equal([0, 1, 2], turns.Select(t => t.Index));
        Assert.Equal(("Sure, Friday", true, 180.5, 7), (turns[2].Text, turns[2].Interrupted, turns[2].FirstTokenMs, turns[2].TokenCount));
        Assert.Null(turns[1].FirstTokenMs);
    }

    [Fact]
    public async Task A_turn_over_the_tables_property_limit_is_stored_in_parts_and_read_back_whole()
    {
        // 70,000 characters (a pasted 63 KB prompt was lost whole before), with a surrogate pair across the first cut.
        var text = new string('a', TableCallStore.MaxTextPartLength - 1) + "\U0001F600" + string.Concat(Enumerable.Repeat("Ünïcode ", 4_750));
        await _store.UpsertTurnAsync(Turn(1, TurnRole.Caller, text) with { CallId = "c-long" });
        await _store.UpsertTurnAsync(Turn(2, TurnRole.Agent, text) with { CallId = "c-long" });
        // An interrupted answer is rewritten shorter: its old parts must not come back.
        await _store.UpsertTurnAsync(Turn(2, TurnRole.Agent, "Sure", tokens: 1) with { CallId = "c-long", Interrupted = true });

        var turns = await _store.GetTranscriptAsync("c-long");

        Assert.Equal(text.Length, turns[0].Text.Length);
        Assert.Equal(text, turns[0].Text);
        Assert.Equal(("Sure", true), (turns[1].Text, turns[1].Interrupted));
    }

    [Fact]
    public async Task A_turn_past_what_a_row_can_hold_is_cut_with_a_note_instead_of_failing()
    {
        var text = new string('x', (TableCallStore.MaxTextParts * TableCallStore.MaxTextPartLength) + 1234);
        await _store.UpsertTurnAsync(Turn(1, TurnRole.Tool, text) with { CallId = "c-huge" });

        var stored = Assert.Single(await _store.GetTranscriptAsync("c-huge")).Text;

        Assert.Equal(new string('x', stored.Length - 60), stored[..^60]);
        Assert.EndsWith($"[… cut here: the whole text had {text.Length} characters]", stored);
        Assert.InRange(stored.Length, 470_000, TableCallStore.MaxTextParts * TableCallStore.MaxTextPartLength);
    }

    [Fact]
    public async Task A_call_record_keeps_its_cost_inputs_and_end()
    {
        var started = new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero);
        var call = new CallRecord
        {
            CallId = "c-r", AgentId = "front-desk", CallSid = "CA1", Direction = "inbound", From = "+1", To = "+2",
            State = CallState.Ended, StartedAt = started, EndedAt = started.AddSeconds(95), EndReason = CallEndReasons.HandedOff,
            HandoffData = """{"reasonCode":"live-agent-handoff"}""", TokensIn = 1200, TokensOut = 340, CharactersSpoken = 812, Attempt = 1,
        };

        await _store.UpsertCallAsync(call);

        // Read back as the sum of every session's counters, written by no session in particular.
        Assert.Equal(call with { Attempt = 0 }, await _store.GetCallAsync("c-r"));
        Assert.Equal(TimeSpan.FromSeconds(95), (await _store.GetCallAsync("c-r"))!.Duration);
    }

    [Fact]
    public async Task The_background_recorder_writes_everything_queued_before_it_stops()
    {
        var log = new ListLogger<BackgroundCallRecorder>();
        var recorder = Recorder(_store, log);
        await recorder.StartAsync(CancellationToken.None);
        for (var i = 0; i < 20; i++)
        {
            recorder.Record(Turn(i, TurnRole.Caller, $"turn {i}") with { CallId = "c-bg" });
        }

        recorder.Record(new CallRecord { CallId = "c-bg", AgentId = "front-desk", State = CallState.Ended });
        await recorder.StopAsync(CancellationToken.None);

        Assert.Empty(log.Warnings);
        Assert.Equal(20, (await _store.GetTranscriptAsync("c-bg")).Count);
        Assert.Equal(CallState.Ended, (await _store.GetCallAsync("c-bg"))!.State);
    }

    [Fact]
    public async Task Rows_are_written_once_they_are_the_write_delay_old()
    {
        var time = new FakeTimeProvider();
        var log = new ListLogger<BackgroundCallRecorder>();
        var recorder = Recorder(_store, log, new CallRecorderOptions { Writers = 1, WriteDelay = TimeSpan.FromMilliseconds(100) }, time);
        await recorder.StartAsync(CancellationToken.None);

        recorder.Record(Turn(0, TurnRole.Caller, "Is Friday free?") with { CallId = "c-delay" });
        recorder.Record(Turn(1, TurnRole.Agent, "It is.") with { CallId = "c-delay" });
        // Real time passes, the recorder's clock does not: without the delay both rows would be stored by now.
        await Task.Delay(300);
        Assert.Empty(await _store.GetTranscriptAsync("c-delay"));

        time.Advance(TimeSpan.FromMilliseconds(100));
        await Eventually.True(async () => (await _store.GetTranscriptAsync("c-delay")).Count == 2, "both rows stored once they are 100 ms old");
        await recorder.StopAsync(CancellationToken.None);
        Assert.Empty(log.Warnings);
    }

    [Fact]
    public async Task Stopping_cuts_the_write_delay_short_and_writes_what_waits()
    {
        var log = new ListLogger<BackgroundCallRecorder>();
        var recorder = Recorder(_store, log, new CallRecorderOptions { Writers = 2, WriteDelay = TimeSpan.FromHours(1) }, new FakeTimeProvider());
        await recorder.StartAsync(CancellationToken.None);
        recorder.Record(Turn(0, TurnRole.Caller, "Bye.") with { CallId = "c-stop" });
        recorder.Record(new CallRecord { CallId = "c-stop", AgentId = "front-desk", State = CallState.Ended });

        // Bounded, so a wait that stopping did not end fails here (rows not written) instead of hanging the run.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await recorder.StopAsync(timeout.Token);

        Assert.Empty(log.Warnings);
        Assert.Single(await _store.GetTranscriptAsync("c-stop"));
        Assert.Equal(CallState.Ended, (await _store.GetCallAsync("c-stop"))!.State);
    }

    [Fact]
    public async Task A_record_queued_if_new_never_replaces_one_already_stored()
    {
        var log = new ListLogger<BackgroundCallRecorder>();
        var recorder = Recorder(_store, log);
        await recorder.StartAsync(CancellationToken.None);
        await _store.UpsertCallAsync(new CallRecord { CallId = "c-live", AgentId = "front-desk", State = CallState.Ended, EndReason = "caller-hung-up" });

        recorder.RecordIfNew(new CallRecord { CallId = "c-live", AgentId = "front-desk", From = "+14155550123" });
        recorder.RecordIfNew(new CallRecord { CallId = "c-new", AgentId = "front-desk", From = "+14155550123" });
        await recorder.StopAsync(CancellationToken.None);

        Assert.Empty(log.Warnings);
        var kept = await _store.GetCallAsync("c-live");
        Assert.Equal((CallState.Ended, "caller-hung-up", ""), (kept!.State, kept.EndReason, kept.From));
        Assert.Equal("+14155550123", (await _store.GetCallAsync("c-new"))!.From);
        Assert.False(await _store.AddCallAsync(new CallRecord { CallId = "c-new", AgentId = "front-desk" }));
    }

    [Fact]
    public void A_full_queue_drops_rows_with_a_warning_per_thousand_not_per_row()
    {
        var log = new ListLogger<BackgroundCallRecorder>();
        var recorder = Recorder(_store, log);

        for (var i = 0; i < BackgroundCallRecorder.Capacity + 1000; i++)
        {
            recorder.Record(Turn(0, TurnRole.Caller, "hello") with { CallId = $"c-full-{i}", Index = i });
        }

        Assert.Collection(log.Warnings,
            e => Assert.Contains("(1 rows dropped since start)", e),
            e => Assert.Contains("(1000 rows dropped since start)", e));
    }

    [Fact]
    public async Task Stopping_past_the_hosts_timeout_says_what_was_not_written_instead_of_failing_shutdown()
    {
        var log = new ListLogger<BackgroundCallRecorder>();
        var recorder = Recorder(new StalledCallStore(), log);
        await recorder.StartAsync(CancellationToken.None);
        recorder.Record(new CallRecord { CallId = "c-stalled", AgentId = "front-desk" });

        await recorder.StopAsync(new CancellationToken(canceled: true));

        Assert.Contains(log.Warnings, e => e.Contains("1 call store rows not yet written"));
    }

    /// <summary>Storage that never answers.</summary>
    private sealed class StalledCallStore : ICallStore
    {
        private static readonly TaskCompletionSource Never = new();

        public Task UpsertCallAsync(CallRecord call, CancellationToken cancellationToken = default) => Never.Task;

        public Task<bool> AddCallAsync(CallRecord call, CancellationToken cancellationToken = default) => Never.Task.ContinueWith(_ => true);

        public Task UpsertTurnAsync(TranscriptTurn turn, CancellationToken cancellationToken = default) => Never.Task;

        public Task<CallRecord?> GetCallAsync(string callId, CancellationToken cancellationToken = default) => Task.FromResult<CallRecord?>(null);

        public Task<IReadOnlyList<TranscriptTurn>> GetTranscriptAsync(string callId, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<TranscriptTurn>>([]);
    }

    private static BackgroundCallRecorder Recorder(ICallStore store, ListLogger<BackgroundCallRecorder> log,
        CallRecorderOptions? options = null, TimeProvider? time = null) =>
        new(store, log, Options.Create(options ?? new CallRecorderOptions()), time ?? TimeProvider.System);

    private static TranscriptTurn Turn(int index, TurnRole role, string text, double? firstTokenMs = null, int tokens = 0) => new()
    {
        CallId = "c-t", Index = index, Role = role, Text = text, FirstTokenMs = firstTokenMs, TokenCount = tokens,
        At = new DateTimeOffset(2026, 11, 25, 9, 0, index, TimeSpan.Zero),
    };
}
