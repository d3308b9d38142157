using System.CommandLine;
using AgentOS.Voice.Bench.Common;
using AgentOS.Voice.Bench.RelayLoad;

var sessions = new Option<int>("--sessions") { Description = "Concurrent signed sessions", DefaultValueFactory = _ => 200 };
var duration = new Option<TimeSpan>("--duration") { Description = "Measured time after warm-up (e.g. 00:01:00)", DefaultValueFactory = _ => TimeSpan.FromSeconds(60) };
var warmup = new Option<TimeSpan>("--warmup") { Description = "Turns started in this time are not counted", DefaultValueFactory = _ => TimeSpan.FromSeconds(10) };
var prewarm = new Option<int>("--prewarm-sessions") { Description = "Sessions that run turns for --prewarm-time before the measured ones connect, then hang up (0: none)", DefaultValueFactory = _ => 0 };
var prewarmTime = new Option<TimeSpan>("--prewarm-time") { Description = "How long the pre-warm sessions run", DefaultValueFactory = _ => TimeSpan.FromSeconds(40) };
var interval = new Option<TimeSpan>("--turn-interval") { Description = "Each session starts a turn this often", DefaultValueFactory = _ => TimeSpan.FromSeconds(5) };
var ttft = new Option<int>("--ttft-ms") { Description = "Fake LLM time to first token", DefaultValueFactory = _ => 200 };
var rate = new Option<double>("--tokens-per-second") { Description = "Fake LLM token rate", DefaultValueFactory = _ => 30 };
var tokens = new Option<int>("--tokens") { Description = "Tokens per fake answer", DefaultValueFactory = _ => 30 };
var interruptEvery = new Option<int>("--interrupt-every") { Description = "Interrupt every n-th turn (0: never)", DefaultValueFactory = _ => 3 };
var idle = new Option<bool>("--idle") { Description = "Open idle signed sessions and measure RelayHost memory per session" };
var relayEnv = new Option<string[]>("--relay-env") { Description = "Extra RelayHost environment setting KEY=VALUE (repeatable), e.g. DOTNET_gcServer=0", AllowMultipleArgumentsPerToken = false };
var llmTransport = new Option<LlmTransport>("--llm-transport") { Description = "How RelayHost reaches the fake LLM: H2 (TLS offering HTTP/2, as the providers do), H1 (TLS, HTTP/1.1 only), Plain (http)", DefaultValueFactory = _ => LlmTransport.H2 };
var replicas = new Option<int>("--replicas") { Description = "RelayHost replicas; more than one puts them behind nginx and runs the two-wave scale-out and drain scenario", DefaultValueFactory = _ => 1 };
var replicaCap = new Option<int?>("--replica-cap") { Description = "Each replica's RelayHost:MaxSessions (needed with --replicas)" };
var drainTimeout = new Option<TimeSpan>("--drain-timeout") { Description = "RelayHost:DrainTimeout", DefaultValueFactory = _ => TimeSpan.FromSeconds(20) };
var events = new Option<bool>("--events") { Description = "RelayHost publishes live call events to a Web PubSub stand-in inside this tool (default off: no events)" };
var preemptive = new Option<string?>("--preemptive") { Description = "Talking caller (growing partial prompts, then the final after --endpointing-ms) against the agent with preemptive generation on, off, or both (two runs); default: one final prompt per turn" };
preemptive.AcceptOnlyFromAmong("on", "off", "both");
var endpointing = new Option<int>("--endpointing-ms") { Description = "Talking caller: last partial → final prompt", DefaultValueFactory = _ => 500 };
var misheardEvery = new Option<int>("--misheard-every") { Description = "Talking caller: every n-th final differs from its last partial (0: never)", DefaultValueFactory = _ => 5 };
var ttsFirstAudio = new Option<int>("--tts-first-audio-ms") { Description = "Text-to-speech first audio, added to the modelled heard latency", DefaultValueFactory = _ => 100 };
var output = new Option<string?>("--out") { Description = "Result file (default bench/results/relay-<mode>-<n>-<time>.json)" };

var root = new RootCommand("Load tool for RelayHost: N concurrent signed ConversationRelay sessions against a fake OpenAI-format LLM.")
{
    sessions, duration, warmup, prewarm, prewarmTime, interval, ttft, rate, tokens, interruptEvery, idle, relayEnv, llmTransport, replicas, replicaCap, drainTimeout, events, preemptive, endpointing, misheardEvery, ttsFirstAudio, output,
};
root.SetAction(async (parse, cancellationToken) =>
{
    var options = new LoadOptions
    {
        Sessions = parse.GetValue(sessions),
        Duration = parse.GetValue(duration),
        Warmup = parse.GetValue(warmup),
        PrewarmSessions = parse.GetValue(prewarm),
        PrewarmTime = parse.GetValue(prewarmTime),
        TurnInterval = parse.GetValue(interval),
        TtftMs = parse.GetValue(ttft),
        TokensPerSecond = parse.GetValue(rate),
        Tokens = parse.GetValue(tokens),
        InterruptEvery = parse.GetValue(interruptEvery),
        Idle = parse.GetValue(idle),
        Output = parse.GetValue(output),
        RelayEnvironment = parse.GetValue(relayEnv) ?? [],
        LlmTransport = parse.GetValue(llmTransport),
        Replicas = parse.GetValue(replicas),
        ReplicaCap = parse.GetValue(replicaCap),
        DrainTimeout = parse.GetValue(drainTimeout),
        Events = parse.GetValue(events),
        EndpointingMs = parse.GetValue(endpointing),
        MisheardEvery = parse.GetValue(misheardEvery),
        TtsFirstAudioMs = parse.GetValue(ttsFirstAudio),
    };
    if (EnvironmentSettings.FirstInvalid(options.RelayEnvironment) is { } bad)
    {
        Console.Error.WriteLine($"--relay-env takes KEY=VALUE; got '{bad}'.");
        return 2;
    }

    if (options.Sessions < 1 || options.PrewarmSessions < 0 || options.Duration <= TimeSpan.Zero || options.TurnInterval <= TimeSpan.Zero
        || (options.PrewarmSessions > 0 && options.PrewarmTime <= TimeSpan.Zero))
    {
        Console.Error.WriteLine("--sessions must be at least 1 and --prewarm-sessions not negative; --duration, --turn-interval and --prewarm-time more than zero.");
        return 2;
    }

    if (options.Replicas < 1 || (options.Replicas > 1 && options.ReplicaCap is not > 0))
    {
        Console.Error.WriteLine("--replicas must be at least 1; with more than one, --replica-cap must be given and positive.");
        return 2;
    }

    var mode = parse.GetValue(preemptive);
    if (mode is not null && (options.Idle || options.Replicas > 1 || options.EndpointingMs < 0 || options.MisheardEvery < 0 || options.TtsFirstAudioMs < 0))
    {
        Console.Error.WriteLine("--preemptive runs conversations on one RelayHost (not with --idle or --replicas); --endpointing-ms, --misheard-every and --tts-first-audio-ms must not be negative.");
        return 2;
    }

    // "both" runs the feature off, then on, each on a fresh stack, so neither run inherits the other's warm processes.
    bool?[] runs = mode switch { null => [null], "on" => [true], "off" => [false], _ => [false, true] };
    var reports = new List<System.Text.Json.Nodes.JsonObject>();
    foreach (var run in runs)
    {
        var runOutput = options.Output is { } path && runs.Length > 1
            ? Path.Combine(Path.GetDirectoryName(path) ?? "", $"{Path.GetFileNameWithoutExtension(path)}-preemptive-{(run == true ? "on" : "off")}{Path.GetExtension(path)}")
            : options.Output;
        var load = new LoadRun(BenchProcesses.RepoRoot(), options with { Preemptive = run, Output = runOutput });
        var code = await load.RunAsync(cancellationToken);
        if (code != 0)
        {
            return code;
        }

        reports.Add(load.Report!);
    }

    if (reports.Count == 2)
    {
        // The issue's comparison: how much sooner the first token comes after the caller's last word, at what cost.
        double? P50(System.Text.Json.Nodes.JsonObject r) => r["lastWordToFirstTokenMs"]?["p50"] is { } v && v.GetValueKind() == System.Text.Json.JsonValueKind.Number ? v.GetValue<double>() : null;
        Console.WriteLine($"\n== preemptive generation off → on: last word → first token p50 {P50(reports[0]):F1} → {P50(reports[1]):F1} ms " +
                          $"({P50(reports[0]) - P50(reports[1]):F1} ms sooner); extra model requests with it on " +
                          $"{reports[1]["speculation"]?["extraRequestsPercentOfTurns"]?.GetValue<double>():F1} % of turns ==");
    }

    return 0;
});
return await root.Parse(args).InvokeAsync();
