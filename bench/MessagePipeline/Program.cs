using System.CommandLine;
using System.Runtime.InteropServices;
using System.Text.Json;
using AgentOS.Voice.Bench.MessagePipeline;
using AgentOS.Voice.TestSupport;

var messages = new Option<int>("--messages") { Description = "Messages per phase (cold cache, then warm cache).", DefaultValueFactory = _ => 200 };
var ttsLatency = new Option<int>("--tts-latency-ms") { Description = "Fixed latency of the speech stand-in, in milliseconds.", DefaultValueFactory = _ => 150 };
var output = new Option<string>("--output") { Description = "Where to write the JSON results.", DefaultValueFactory = _ => Path.Combine(RepoPaths.Root, "bench", "results", "message-pipeline.json") };
var root = new RootCommand("Voice-message pipeline benchmark: queue → Functions handler → speech → Blob → Twilio (phone simulator).")
{
    messages, ttsLatency, output,
};
root.SetAction(async (parse, cancellationToken) =>
{
    var count = parse.GetValue(messages);
    var latency = TimeSpan.FromMilliseconds(parse.GetValue(ttsLatency));
    if (count < 1)
    {
        Console.Error.WriteLine("--messages must be at least 1.");
        return 2;
    }

    var machine = new
    {
        Cores = Environment.ProcessorCount,
        Os = RuntimeInformation.OSDescription,
        Runtime = RuntimeInformation.FrameworkDescription,
        Arch = RuntimeInformation.ProcessArchitecture.ToString(),
        // Other work on the machine skews every figure here; the load when the run started says how much.
        LoadAverage = File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a",
    };
    var results = await new PipelineRun(count, latency).RunAsync(cancellationToken);

    Console.WriteLine($"Message pipeline, {count} messages per phase, speech latency {latency.TotalMilliseconds:0} ms");
    Console.WriteLine($"Machine: {machine.Cores} cores, {machine.Os}, {machine.Runtime} {machine.Arch}, load average {machine.LoadAverage}");
    Console.WriteLine();
    Console.WriteLine($"{"phase",-12} {"messages",8} {"msg/s",8} {"p50 ms",8} {"p99 ms",8} {"max ms",8} {"TTS calls",9}");
    foreach (var r in results)
    {
        Console.WriteLine($"{r.Phase,-12} {r.Messages,8} {r.MessagesPerSecond,8:0.0} {r.P50Ms,8:0} {r.P99Ms,8:0} {r.MaxMs,8:0} {r.SpeechRequests,9}");
    }

    var path = parse.GetValue(output)!;
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
    await File.WriteAllTextAsync(path, JsonSerializer.Serialize(new
    {
        Benchmark = "message-pipeline",
        RecordedAt = DateTimeOffset.UtcNow,
        Machine = machine,
        MessagesPerPhase = count,
        TtsLatencyMs = latency.TotalMilliseconds,
        Measure = "enqueue (queue message sent) to call created (the phone simulator's create-call time)",
        Phases = results,
    }, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true }), cancellationToken);
    Console.WriteLine();
    Console.WriteLine($"Results written to {path}");
    return 0;
});
return await root.Parse(args).InvokeAsync();
