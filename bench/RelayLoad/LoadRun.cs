using System.Diagnostics;
using AgentOS.Voice.Bench.Common;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentOS.Voice.Bench.RelayLoad;

/// <summary>Starts the stack, drives the sessions, samples the processes once a second, and reports.</summary>
internal sealed partial class LoadRun(string root, LoadOptions options)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    /// <summary>The finished run's result, as written to its file.</summary>
    public JsonObject? Report { get; private set; }

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        await using var stack = new BenchStack();
        Console.WriteLine($"load average before start: {ProcessSampler.LoadAverage()}" +
                          (options.RelayEnvironment.Count > 0 ? $"; RelayHost extra settings: {string.Join(' ', options.RelayEnvironment)}" : ""));
        await stack.StartAsync(root, options, cancellationToken);
        var samplers = new[]
        {
            new ProcessSampler("relayhost", stack.Relay.Id),
            new ProcessSampler("fake-llm", stack.Fake.Id),
            new ProcessSampler("azurite", stack.Azurite.Id),
            new ProcessSampler("load-tool", Environment.ProcessId),
        };
        using var sampling = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var loads = new List<string>();
        var sampler = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
            do
            {
                foreach (var s in samplers)
                {
                    s.Sample(_clock.Elapsed);
                }

                lock (loads)
                {
                    loads.Add(ProcessSampler.LoadAverage());
                }
            }
            while (await timer.WaitForNextTickAsync(sampling.Token).ConfigureAwait(false));
        }, CancellationToken.None);

        var report = options.Idle ? await RunIdleAsync(stack, samplers[0], cancellationToken)
            : options.Replicas > 1 ? await RunReplicasAsync(stack, cancellationToken)
            : await RunConversationsAsync(stack, samplers, cancellationToken);
        await sampling.CancelAsync();
        await sampler.ContinueWith(_ => { }, TaskScheduler.Default);

        report["relayEnvironment"] = new JsonArray([.. options.RelayEnvironment.Select(e => (JsonNode)JsonValue.Create(e))]);
        if (stack.Events is { } events)
        {
            // Shows the events were really made and delivered (a send is one batch to one group).
            report["eventSendsAccepted"] = events.Sends.Count;
            Console.WriteLine($"live events: the Web PubSub stand-in accepted {events.Sends.Count} sends");
        }

        report["machine"] = new JsonObject
        {
            ["cores"] = Environment.ProcessorCount,
            ["loadAverageStart"] = loads.FirstOrDefault(),
            ["loadAverageEnd"] = ProcessSampler.LoadAverage(),
        };
        Console.WriteLine($"load average at end: {ProcessSampler.LoadAverage()}  ({Environment.ProcessorCount} cores)");
        var path = options.Output ?? Path.Combine(root, "bench", "results",
            $"relay-{(options.Idle ? "idle" : options.Replicas > 1 ? "replicas" : "load")}-{options.Sessions}{options.Preemptive switch { true => "-preemptive-on", false => "-preemptive-off", null => "" }}-{DateTime.UtcNow:yyyyMMdd-HHmmss}.json");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, report.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), cancellationToken);
        Console.WriteLine($"result: {Path.GetRelativePath(root, path)}");
        Report = report;
        return 0;
    }

    private async Task<List<SessionDriver>> ConnectAllAsync(BenchStack stack, long runStart, long warmupEnd, List<string> errors, CancellationToken cancellationToken, char name = 's')
    {
        var drivers = Enumerable.Range(0, options.Sessions).Select(i => new SessionDriver(i, options, stack.RelayWsUrl(SessionDriver.CallIdOf(name, i)), runStart, warmupEnd, name)).ToList();
        await Parallel.ForEachAsync(drivers, new ParallelOptions { MaxDegreeOfParallelism = options.ConnectConcurrency, CancellationToken = cancellationToken },
            async (driver, ct) =>
            {
                try
                {
                    await driver.ConnectAsync(ct);
                }
                catch (Exception e) when (e is System.Net.WebSockets.WebSocketException or HttpRequestException or IOException)
                {
                    lock (errors)
                    {
                        errors.Add($"connect: {e.Message}");
                    }
                }
            });
        return drivers.Where(d => d.Caller is not null).ToList();
    }

    private async Task<JsonObject> RunConversationsAsync(BenchStack stack, ProcessSampler[] samplers, CancellationToken cancellationToken)
    {
        var errors = new List<string>();
        if (options.PrewarmSessions > 0)
        {
            await new LoadRun(root, options with { Sessions = options.PrewarmSessions }).PrewarmAsync(stack, errors, cancellationToken);
        }

        var connectStart = _clock.Elapsed;
        var runStart = FirstTurnAt();
        var warmupEnd = runStart + (long)(options.Warmup.TotalSeconds * Stopwatch.Frequency);
        var runEnd = runStart + (long)((options.Warmup + options.Duration).TotalSeconds * Stopwatch.Frequency);
        var drivers = await ConnectAllAsync(stack, runStart, warmupEnd, errors, cancellationToken);
        Console.WriteLine($"{drivers.Count}/{options.Sessions} sessions open in {(_clock.Elapsed - connectStart).TotalSeconds:F1} s; warm-up {options.Warmup.TotalSeconds:F0} s, then {options.Duration.TotalSeconds:F0} s measured");
        var measureFrom = _clock.Elapsed + Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), warmupEnd);

        var progress = Task.Run(async () =>
        {
            while (Stopwatch.GetTimestamp() < runEnd && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(10), cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
                var relay = samplers[0].Samples.LastOrDefault();
                Console.WriteLine($"  t={_clock.Elapsed.TotalSeconds,5:F0}s  relay RSS {relay.Sample?.RssKb / 1024.0:F1} MB  load {ProcessSampler.LoadAverage()}");
            }
        }, CancellationToken.None);

        await Task.WhenAll(drivers.Select(d => RunGuardedAsync(d, runEnd, cancellationToken)));
        var measureTo = _clock.Elapsed;
        // Stragglers of interrupted answers get a moment to arrive (and be counted) before the sockets close.
        await Task.Delay(TimeSpan.FromSeconds(1.5), cancellationToken);
        await progress;
        var fake = await FetchFakeStatsAsync(stack, cancellationToken);
        var turns = drivers.SelectMany(d => d.Finish()).ToList();
        errors.AddRange(drivers.SelectMany(d => d.Errors));
        await HangUpAsync(drivers);

        return LoadReport.Build(options, turns, drivers.SelectMany(d => d.SendLatenessMs).ToList(), drivers.SelectMany(d => d.PromptToWireMs).ToList(), fake, samplers, measureFrom, measureTo, errors);
    }

    /// <summary>Runs this run's sessions (the pre-warm ones) for the pre-warm time, counting nothing, and hangs them up.</summary>
    private async Task PrewarmAsync(BenchStack stack, List<string> errors, CancellationToken cancellationToken)
    {
        var started = _clock.Elapsed;
        var runStart = FirstTurnAt();
        var runEnd = runStart + (long)(options.PrewarmTime.TotalSeconds * Stopwatch.Frequency);
        var drivers = await ConnectAllAsync(stack, runStart, long.MaxValue, errors, cancellationToken, name: 'w');
        await Task.WhenAll(drivers.Select(d => RunGuardedAsync(d, runEnd, cancellationToken)));
        await Task.Delay(TimeSpan.FromSeconds(1.5), cancellationToken);
        var turns = drivers.Sum(d => d.Finish().Count);
        errors.AddRange(drivers.SelectMany(d => d.Errors));
        await HangUpAsync(drivers);
        Console.WriteLine($"pre-warmed with {drivers.Count}/{options.Sessions} sessions for {options.PrewarmTime.TotalSeconds:F0} s: {turns} turns, " +
                          $"{errors.Count} errors so far ({(_clock.Elapsed - started).TotalSeconds:F0} s); they hung up");
    }

    /// <summary>One turn interval from now (at least 2 s), so connecting the sessions does not overlap their first turns.</summary>
    private long FirstTurnAt() => Stopwatch.GetTimestamp() + (long)(Math.Max(options.TurnInterval.TotalSeconds, 2) * Stopwatch.Frequency);

    private Task HangUpAsync(IEnumerable<SessionDriver> drivers) =>
        Parallel.ForEachAsync(drivers, new ParallelOptions { MaxDegreeOfParallelism = options.ConnectConcurrency }, async (d, _) => await d.Caller!.DisposeAsync());

    private static async Task RunGuardedAsync(SessionDriver driver, long runEnd, CancellationToken cancellationToken)
    {
        try
        {
            await driver.RunTurnsAsync(runEnd, cancellationToken);
        }
        catch (Exception e) when (e is System.Net.WebSockets.WebSocketException or IOException or OperationCanceledException)
        {
            driver.Errors.Add($"session: {e.GetType().Name}: {e.Message}");
        }
    }

    private async Task<JsonObject> RunIdleAsync(BenchStack stack, ProcessSampler relay, CancellationToken cancellationToken)
    {
        var errors = new List<string>();
        // Warm the upgrade path, the agent lookup and the pools, so the baseline is a warmed-up, empty server.
        var warm = await ConnectAllWithAsync(stack, Math.Min(50, options.Sessions), errors, cancellationToken);
        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        foreach (var d in warm)
        {
            await d.Caller!.DisposeAsync();
        }

        await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken);
        var before = relay.Sample(_clock.Elapsed);
        var started = Stopwatch.StartNew();
        var drivers = await ConnectAllWithAsync(stack, options.Sessions, errors, cancellationToken);
        var connectSeconds = started.Elapsed.TotalSeconds;
        // Let the per-connection start-up garbage be collected and the heap settle before reading RSS.
        await Task.Delay(TimeSpan.FromSeconds(15), cancellationToken);
        var after = relay.Sample(_clock.Elapsed);
        var perSessionKb = (after.RssKb - before.RssKb) / (double)Math.Max(1, drivers.Count);
        Console.WriteLine($"{drivers.Count}/{options.Sessions} idle signed sessions open in {connectSeconds:F1} s");
        Console.WriteLine($"relayhost RSS before {before.RssKb / 1024.0:F1} MB, with sessions open {after.RssKb / 1024.0:F1} MB → {perSessionKb:F1} KB per idle session");

        // The figure above divides everything RelayHost grew by the sessions, including what the process holds once
        // whatever the count (the GC's gen0 budget, pools). The slope over a further half as many sessions leaves
        // that out: it is what one more idle session costs. Printed beside, never instead.
        var more = await ConnectAllWithAsync(stack, options.Sessions / 2, errors, cancellationToken);
        await Task.Delay(TimeSpan.FromSeconds(15), cancellationToken);
        var further = relay.Sample(_clock.Elapsed);
        var slopeKb = (further.RssKb - after.RssKb) / (double)Math.Max(1, more.Count);
        Console.WriteLine($"  and with {more.Count} more open {further.RssKb / 1024.0:F1} MB → {slopeKb:F1} KB for each further idle session");

        foreach (var line in errors.GroupBy(e => e).Take(5))
        {
            Console.WriteLine($"  error ×{line.Count()}: {line.Key}");
        }

        await HangUpAsync(drivers.Concat(more));
        return new JsonObject
        {
            ["mode"] = "idle",
            ["sessionsRequested"] = options.Sessions,
            ["sessionsOpen"] = drivers.Count,
            ["connectSeconds"] = connectSeconds,
            ["relayRssBeforeKb"] = before.RssKb,
            ["relayRssAfterKb"] = after.RssKb,
            ["kbPerIdleSession"] = perSessionKb,
            ["furtherSessionsOpen"] = more.Count,
            ["relayRssFurtherKb"] = further.RssKb,
            ["kbPerFurtherIdleSession"] = slopeKb,
            ["errors"] = errors.Count,
        };
    }

    private Task<List<SessionDriver>> ConnectAllWithAsync(BenchStack stack, int count, List<string> errors, CancellationToken cancellationToken) =>
        new LoadRun(root, options with { Sessions = count }).ConnectAllAsync(stack, 0, 0, errors, cancellationToken);

    private static async Task<JsonNode> FetchFakeStatsAsync(BenchStack stack, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        return (await http.GetFromJsonAsync<JsonNode>($"{stack.FakeControlUrl}/stats", cancellationToken))!;
    }
}
