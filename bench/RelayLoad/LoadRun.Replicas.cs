using System.Diagnostics;
using System.Text.Json.Nodes;

namespace AgentOS.Voice.Bench.RelayLoad;

/// <summary>
/// Two (or more) replicas behind nginx, each capped at <see cref="LoadOptions.ReplicaCap"/>: a first wave of half as
/// many calls again as one cap (the calls past the first replica's cap must be served by another), then the first
/// replica is stopped as the platform stops one (SIGTERM) while its calls go on, and a second wave connects (all of it
/// must go elsewhere). Every call runs turns until the run's end and then hangs up, so the stopped replica's drain
/// time is how long its own calls still had to run, and a call lost is one that failed to connect or was ended by the
/// server.
/// </summary>
internal sealed partial class LoadRun
{
    private async Task<JsonObject> RunReplicasAsync(BenchStack stack, CancellationToken cancellationToken)
    {
        var cap = options.ReplicaCap ?? throw new InvalidOperationException("--replicas needs --replica-cap.");
        var proxy = stack.Proxy!;
        var errors = new List<string>();
        var firstWave = cap + cap / 2;
        var secondWave = Math.Max(1, cap / 4);
        var runStart = FirstTurnAt();
        var runEnd = runStart + (long)options.Duration.TotalSeconds * Stopwatch.Frequency;

        var first = await new LoadRun(root, options with { Sessions = firstWave }).ConnectAllAsync(stack, runStart, 0, errors, cancellationToken, name: 'a');
        Console.WriteLine($"wave 1: {first.Count}/{firstWave} calls open (one replica's cap: {cap})");
        var running = first.Select(d => RunGuardedAsync(d, runEnd, cancellationToken)).ToList();

        await Task.Delay(options.Duration / 4, cancellationToken);
        var replica = stack.Relays[0];
        var stopAt = DateTimeOffset.UtcNow;
        var stopClock = Stopwatch.StartNew();
        Console.WriteLine($"SIGTERM to replica 1 (127.0.0.1:{replica.Port}); RelayHost:DrainTimeout {options.DrainTimeout.TotalSeconds:F0} s");
        var stopping = stack.StopRelayGracefullyAsync(replica.Process, options.DrainTimeout + TimeSpan.FromSeconds(30));
        var exited = stopping.ContinueWith(_ => stopClock.Elapsed, TaskScheduler.Default);
        // Its readiness is down and it refuses upgrades from the moment the host's stopping begins.
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);

        var second = await new LoadRun(root, options with { Sessions = secondWave }).ConnectAllAsync(stack, runStart, 0, errors, cancellationToken, name: 'b');
        Console.WriteLine($"wave 2 (after the SIGTERM): {second.Count}/{secondWave} calls open");
        running.AddRange(second.Select(d => RunGuardedAsync(d, runEnd, cancellationToken)));
        await Task.WhenAll(running);
        var all = first.Concat(second).ToList();
        var turns = all.Sum(d => d.Finish().Count(t => t.Completed));
        errors.AddRange(all.SelectMany(d => d.Errors));
        var endedByServer = all.Count(d => d.Caller!.Result is { EndedByAgent: true } or { SocketLost: true });
        await HangUpAsync(all);
        var drain = await exited;
        // nginx writes a session's line when it closes; give the last ones a moment.
        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);

        var logged = proxy.Sessions().Where(s => s.Status == 101).ToList();
        var stopped = $"127.0.0.1:{replica.Port}";
        var wave1 = logged.Where(s => s.StartedAt < stopAt).ToList();
        var wave2 = logged.Where(s => s.StartedAt >= stopAt).ToList();
        var onStopped = wave1.Where(s => s.ServedBy == stopped).ToList();
        double? lastEnded = onStopped.Count == 0 ? null : (onStopped.Max(s => s.EndedAt) - stopAt).TotalSeconds;
        var lost = (firstWave - first.Count) + (secondWave - second.Count) + endedByServer;
        var report = new JsonObject
        {
            ["mode"] = "replicas",
            ["replicas"] = options.Replicas,
            ["capPerReplica"] = cap,
            ["wave1Calls"] = first.Count,
            ["wave1OnReplica1"] = wave1.Count(s => s.ServedBy == stopped),
            ["wave1OnOthers"] = wave1.Count(s => s.ServedBy != stopped),
            ["wave1RetriedAfter503"] = wave1.Count(s => s.Answers.Contains("503")),
            ["wave2Calls"] = second.Count,
            ["wave2OnReplica1"] = wave2.Count(s => s.ServedBy == stopped),
            // A stopping replica's Kestrel has closed its listener: the proxy's try there fails to connect (502 in the log).
            ["wave2RetriedElsewhere"] = wave2.Count(s => s.Answers.Count > 1),
            ["replica1CallsAtStop"] = wave1.Count(s => s.ServedBy == stopped),
            ["replica1LastCallEndedSeconds"] = lastEnded,
            ["replica1ExitSeconds"] = drain.TotalSeconds,
            ["turnsCompleted"] = turns,
            ["callsLost"] = lost,
            ["errors"] = errors.Count,
        };
        Console.WriteLine($"wave 1: {first.Count} calls, {report["wave1OnReplica1"]} on replica 1 (its cap {cap}), {report["wave1OnOthers"]} on the other " +
                          $"({report["wave1RetriedAfter503"]} after replica 1 answered 503)");
        Console.WriteLine($"replica 1 stopped with {report["replica1CallsAtStop"]} live calls; its last call ended {lastEnded:F1} s after SIGTERM " +
                          $"(the calls hung up at the run's end), and the process exited {drain.TotalSeconds:F1} s after it");
        Console.WriteLine($"wave 2: {second.Count} calls after the SIGTERM, {report["wave2OnReplica1"]} on replica 1, {report["wave2RetriedElsewhere"]} tried on replica 1 first");
        Console.WriteLine($"turns completed: {turns}; calls lost: {lost} (not connected, or ended by the server); errors: {errors.Count}");
        foreach (var line in errors.GroupBy(e => e).Take(5))
        {
            Console.WriteLine($"  error ×{line.Count()}: {line.Key}");
        }

        return report;
    }
}
