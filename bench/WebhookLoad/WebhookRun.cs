using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentOS.Voice.Agents;
using AgentOS.Voice.Bench.Common;
using AgentOS.Voice.Calls;
using AgentOS.Voice.Storage;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;

namespace AgentOS.Voice.Bench.WebhookLoad;

internal sealed record WebhookOptions(int Rate, TimeSpan Duration, int Concurrency, TimeSpan SaturationDuration, int ColdStarts, string? Functions, IReadOnlyList<string> FunctionsEnvironment, string? Output);

/// <summary>
/// POST /agents/{agentId}/incoming-call on the Functions app as its own process: cold start (process start → first
/// TwiML), an open-loop fixed rate (latency counted from each request's scheduled time, so a stall is not hidden), and
/// saturation (closed loop, N in flight).
/// </summary>
internal sealed class WebhookRun(string root, WebhookOptions options)
{
    private const string AuthToken = "bench-auth-token";
    private const string AgentId = "bench";
    private const string AgentNumber = "+15550000100";
    private const int MaxInFlight = 512;

    private int _inFlight;

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        using var processes = new BenchProcesses();
        Console.WriteLine($"load average before start: {ProcessSampler.LoadAverage()}  ({Environment.ProcessorCount} cores)");
        var (azurite, connectionString) = await processes.StartAzuriteAsync(root, cancellationToken);
        await new TableAgentStore(new TableServiceClient(connectionString), Options.Create(new StorageOptions()), TimeProvider.System)
            .CreateAsync(new Agent { Id = AgentId, Name = "Bench agent", PhoneNumber = AgentNumber }, cancellationToken);

        var port = BenchProcesses.FreePort();
        var baseUrl = $"http://127.0.0.1:{port}";
        var url = $"{baseUrl}/agents/{AgentId}/incoming-call";
        var environment = new Dictionary<string, string>
        {
            // The Functions app as the local Functions runner serves it (the Functions host does not run here).
            ["ASPNETCORE_URLS"] = baseUrl,
            ["Storage__ConnectionString"] = connectionString,
            ["Twilio__AccountSid"] = "AC00000000000000000000000000000000",
            ["Twilio__AuthToken"] = AuthToken,
            ["PublicUrls__FunctionsBaseUrl"] = baseUrl,
            ["PublicUrls__RelayBaseUrl"] = "wss://relay.bench.example",
            ["RelayTickets__Secret"] = "bench-relay-ticket-secret-not-a-secret",
            ["ManagementApi__ApiKeys__0"] = "bench-management-key",
            // Outside Development the app starts only with its providers named: offline speech and the scripted
            // model, since no message is rendered and no model is asked here.
            ["Speech__Provider"] = "espeak",
            ["Llm__Scripted__Enabled"] = "true",
            ["Logging__LogLevel__Default"] = "Warning",
            // Azurite is one Node thread on these same two cores: parallel record writes only add contention (docs/decisions.md).
            ["CallRecorder__Writers"] = "1",
        };
        EnvironmentSettings.ApplyTo(environment, options.FunctionsEnvironment);
        // The runner as built (a framework-dependent dll run by `dotnet`), or a published runner's executable.
        var (program, arguments) = options.Functions is { } runner
            ? (File.Exists(runner) ? Path.GetFullPath(runner) : throw new FileNotFoundException($"{runner} is missing: publish tools/FunctionsRunner."), Array.Empty<string>())
            : ("dotnet", [BenchProcesses.ReleaseDll(root, "tools/FunctionsRunner", "functions-runner.dll")]);
        var runnerFolder = Path.GetDirectoryName(arguments.Length > 0 ? arguments[0] : program)!;
        Console.WriteLine($"functions runner: {program} {string.Join(' ', arguments)}{(options.FunctionsEnvironment.Count > 0 ? $" with {string.Join(' ', options.FunctionsEnvironment)}" : "")}");
        var coldCalls = new SignedCalls(AuthToken, url, AgentNumber, "CB");
        var calls = new SignedCalls(AuthToken, url, AgentNumber, "CA");
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            Timeout = TimeSpan.FromSeconds(10),
        };

        var result = new JsonObject { ["machine"] = new JsonObject { ["cores"] = Environment.ProcessorCount } };
        var colds = new List<double>();
        for (var i = 0; i < options.ColdStarts; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var cold = processes.Start("functions", program, arguments, environment, runnerFolder);
            var ms = await FirstTwimlAsync(http, url, coldCalls.Next(), cold, started, cancellationToken);
            colds.Add(ms);
            Console.WriteLine($"cold start {i + 1}: process start → first TwiML {ms:F0} ms  (load {ProcessSampler.LoadAverage()})");
            processes.Stop(cold);
        }

        result["coldStartMs"] = Node(Summary.Of(colds));
        result["coldStartRunsMs"] = new JsonArray([.. colds.Select(c => (JsonNode)JsonValue.Create(Math.Round(c, 1)))]);
        Console.WriteLine($"cold start, ms: {Summary.Of(colds)}");

        var functions = processes.Start("functions", program, arguments, environment, runnerFolder);
        await BenchProcesses.WaitForHealthAsync(http, $"{baseUrl}/healthz", functions, cancellationToken);
        var samplers = new[] { new ProcessSampler("functions", functions.Id), new ProcessSampler("azurite", azurite.Id), new ProcessSampler("load-tool", Environment.ProcessId) };

        // Warm-up: JIT, connection pool, the agent's first read.
        result["warmUp"] = await ClosedLoopAsync(http, url, calls, 8, TimeSpan.FromSeconds(3), samplers, "warm-up", cancellationToken);
        result["fixedRate"] = await OpenLoopAsync(http, url, calls, samplers, cancellationToken);
        result["saturation"] = await ClosedLoopAsync(http, url, calls, options.Concurrency, options.SaturationDuration, samplers, "saturation", cancellationToken);
        result["callRecords"] = await CountCallRecordsAsync(processes, functions, connectionString, calls.SidPrefix, result, cancellationToken);
        result["loadAverageEnd"] = ProcessSampler.LoadAverage();
        Console.WriteLine($"load average at end: {ProcessSampler.LoadAverage()}");

        var path = options.Output ?? Path.Combine(root, "bench", "results", $"webhook-{DateTime.UtcNow:yyyyMMdd-HHmmss}.json");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, result.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), cancellationToken);
        Console.WriteLine($"result: {Path.GetRelativePath(root, path)}");
        return 0;
    }

    /// <summary>
    /// incoming-call queues its call record for a background writer instead of waiting on storage; when storage
    /// falls behind, the queue fills and records are dropped (the relay session writes them again at setup). So
    /// after a graceful stop, which drains the queue, count how many calls got a record.
    /// </summary>
    private static async Task<JsonObject> CountCallRecordsAsync(BenchProcesses processes, Process functions, string connectionString, string sidPrefix, JsonObject result, CancellationToken cancellationToken)
    {
        var answered = new[] { "warmUp", "fixedRate", "saturation" }.Sum(phase => (int?)result[phase]?["good"] ?? 0);
        var stopping = Stopwatch.GetTimestamp();
        await processes.StopGracefullyAsync(functions, TimeSpan.FromSeconds(120));
        var drained = Stopwatch.GetElapsedTime(stopping);
        var table = new TableClient(connectionString, TableCallStore.TableBaseName);
        var stored = 0;
        await foreach (var _ in table.QueryAsync<TableEntity>($"RowKey eq 'call' and PartitionKey ge '{sidPrefix}' and PartitionKey lt '{sidPrefix}~'", select: ["PartitionKey"], cancellationToken: cancellationToken))
        {
            stored++;
        }

        Console.WriteLine($"== call records: {stored} stored for {answered} answered calls ({answered - stored} dropped by the full queue); " +
                          $"graceful stop drained the rest in {drained.TotalSeconds:F1} s ==");
        return new JsonObject { ["answered"] = answered, ["stored"] = stored, ["drainSeconds"] = drained.TotalSeconds };
    }

    private static async Task<double> FirstTwimlAsync(HttpClient http, string url, SignedCall call, Process process, long started, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The Functions app exited with {process.ExitCode} during start-up; its output is above.");
            }

            try
            {
                using var response = await http.SendAsync(call.ToRequest(url), cancellationToken);
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                if (response.IsSuccessStatusCode && body.Contains("<Response", StringComparison.Ordinal))
                {
                    return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                }

                if (Stopwatch.GetElapsedTime(started) > TimeSpan.FromSeconds(30))
                {
                    throw new InvalidOperationException($"No TwiML within 30 s; last answer {(int)response.StatusCode}: {body}");
                }
            }
            catch (HttpRequestException) when (Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(30))
            {
                // Not listening yet.
            }

            await Task.Delay(5, cancellationToken);
        }
    }

    private async Task<JsonObject> OpenLoopAsync(HttpClient http, string url, SignedCalls calls, ProcessSampler[] samplers, CancellationToken cancellationToken)
    {
        var total = (int)(options.Rate * options.Duration.TotalSeconds);
        var fromSchedule = new ConcurrentBag<double>();
        var lateness = new double[total];
        var errors = new ConcurrentBag<string>();
        var inFlight = new List<Task>(total);
        var cpuFrom = Sample(samplers);
        var start = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 100;
        // One thread that sleeps 1 ms at a time (nanosleep, ~1.1 ms here) and sends whatever is due: never spinning,
        // which would take most of a core from the server it measures on this 2-core machine, and finer than
        // Task.Delay, whose timer ticks run ~2 ms late. Latency counts from the scheduled time, so lateness shows.
        var sender = new Thread(() =>
        {
            for (var i = 0; i < total && !cancellationToken.IsCancellationRequested; i++)
            {
                var due = start + (long)(i * (double)Stopwatch.Frequency / options.Rate);
                var call = calls.Next();
                while (Stopwatch.GetTimestamp() < due)
                {
                    Thread.Sleep(1);
                }

                lateness[i] = Stopwatch.GetElapsedTime(due).TotalMilliseconds;
                // An open loop against a server slower than the rate would pile up requests without bound (and once
                // took the Functions process out of memory); past the cap a request is counted as an error instead.
                if (Volatile.Read(ref _inFlight) >= MaxInFlight)
                {
                    errors.Add($"not sent: {MaxInFlight} requests already in flight");
                    continue;
                }

                Interlocked.Increment(ref _inFlight);
                inFlight.Add(SendAsync(http, url, call, due, fromSchedule, errors, cancellationToken)
                    .ContinueWith(_ => Interlocked.Decrement(ref _inFlight), TaskScheduler.Default));
            }
        }) { IsBackground = true, Name = "open-loop sender" };
        sender.Start();
        await Task.Run(sender.Join, cancellationToken);
        await Task.WhenAll(inFlight);
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var cpu = CpuSince(samplers, cpuFrom);
        var latency = Summary.Of(fromSchedule);
        Console.WriteLine($"== fixed rate {options.Rate}/s for {options.Duration.TotalSeconds:F0} s: {fromSchedule.Count} good, {errors.Count} errors, achieved {fromSchedule.Count / seconds:F0}/s ==");
        Console.WriteLine($"  latency from scheduled send, ms {latency}");
        Console.WriteLine($"  load tool send lateness, ms     {Summary.Of(lateness)}");
        Console.WriteLine($"  CPU % of one core: {string.Join(", ", cpu.Select(c => $"{c.Key} {c.Value:F1}"))}; load {ProcessSampler.LoadAverage()}");
        PrintErrors(errors);
        return new JsonObject
        {
            ["rate"] = options.Rate, ["seconds"] = seconds, ["good"] = fromSchedule.Count, ["errors"] = errors.Count,
            ["latencyMs"] = Node(latency), ["sendLatenessMs"] = Node(Summary.Of(lateness)),
            ["cpuPercentOfOneCore"] = JsonSerializer.SerializeToNode(cpu), ["loadAverage"] = ProcessSampler.LoadAverage(),
        };
    }

    private static async Task<JsonObject> ClosedLoopAsync(HttpClient http, string url, SignedCalls calls, int concurrency, TimeSpan duration,
        ProcessSampler[] samplers, string label, CancellationToken cancellationToken)
    {
        var latencies = new ConcurrentBag<double>();
        var errors = new ConcurrentBag<string>();
        var cpuFrom = Sample(samplers);
        var start = Stopwatch.GetTimestamp();
        var end = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (Stopwatch.GetTimestamp() < end)
            {
                await SendAsync(http, url, calls.Next(), Stopwatch.GetTimestamp(), latencies, errors, cancellationToken);
            }
        }));
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var cpu = CpuSince(samplers, cpuFrom);
        var latency = Summary.Of(latencies);
        if (label != "warm-up")
        {
            Console.WriteLine($"== {label}: {concurrency} in flight for {duration.TotalSeconds:F0} s: {latencies.Count / seconds:F0} requests/s good, {errors.Count} errors ==");
            Console.WriteLine($"  latency, ms {latency}");
            Console.WriteLine($"  CPU % of one core: {string.Join(", ", cpu.Select(c => $"{c.Key} {c.Value:F1}"))}; load {ProcessSampler.LoadAverage()}");
            PrintErrors(errors);
        }

        return new JsonObject
        {
            ["concurrency"] = concurrency, ["seconds"] = seconds, ["good"] = latencies.Count, ["errors"] = errors.Count,
            ["requestsPerSecond"] = latencies.Count / seconds, ["latencyMs"] = Node(latency),
            ["cpuPercentOfOneCore"] = JsonSerializer.SerializeToNode(cpu), ["loadAverage"] = ProcessSampler.LoadAverage(),
        };
    }

    private static async Task SendAsync(HttpClient http, string url, SignedCall call, long from, ConcurrentBag<double> latencies, ConcurrentBag<string> errors, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.SendAsync(call.ToRequest(url), cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (response.IsSuccessStatusCode && body.Contains("<ConversationRelay", StringComparison.Ordinal))
            {
                latencies.Add(Stopwatch.GetElapsedTime(from).TotalMilliseconds);
            }
            else
            {
                errors.Add($"{(int)response.StatusCode}: {body[..Math.Min(body.Length, 160)]}");
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            errors.Add(e.Message);
        }
    }

    private sealed record CpuMark(long At, Dictionary<string, ProcessSample> Samples);

    private static CpuMark Sample(ProcessSampler[] samplers) =>
        new(Stopwatch.GetTimestamp(), samplers.ToDictionary(s => s.Name, s => File.Exists($"/proc/{s.Pid}/stat")
            ? ProcessSampler.Read(s.Pid)
            : throw new InvalidOperationException($"{s.Name} (pid {s.Pid}) has exited; its last output is above.")));

    /// <summary>Each process's CPU since <paramref name="from"/>, in percent of one core.</summary>
    private static Dictionary<string, double> CpuSince(ProcessSampler[] samplers, CpuMark from)
    {
        var now = Sample(samplers);
        var seconds = (now.At - from.At) / (double)Stopwatch.Frequency;
        return samplers.ToDictionary(s => s.Name,
            s => (now.Samples[s.Name].CpuTicks - from.Samples[s.Name].CpuTicks) / ProcessSampler.TicksPerSecond / seconds * 100);
    }

    private static void PrintErrors(IEnumerable<string> errors)
    {
        foreach (var group in errors.GroupBy(e => e).OrderByDescending(g => g.Count()).Take(3))
        {
            Console.WriteLine($"  error ×{group.Count()}: {group.Key}");
        }
    }

    private static JsonNode? Node(Summary summary) => JsonSerializer.SerializeToNode(summary, JsonSerializerOptions.Web);
}
