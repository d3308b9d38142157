using System.CommandLine;
using AgentOS.Voice.Bench.Common;
using AgentOS.Voice.Bench.WebhookLoad;

var rate = new Option<int>("--rate") { Description = "Fixed request rate (requests/s)", DefaultValueFactory = _ => 1000 };
var duration = new Option<TimeSpan>("--duration") { Description = "Fixed-rate phase length", DefaultValueFactory = _ => TimeSpan.FromSeconds(20) };
var concurrency = new Option<int>("--concurrency") { Description = "Requests in flight at saturation", DefaultValueFactory = _ => 32 };
var saturation = new Option<TimeSpan>("--saturation-duration") { Description = "Saturation phase length", DefaultValueFactory = _ => TimeSpan.FromSeconds(15) };
var colds = new Option<int>("--cold-starts") { Description = "Cold starts to measure (process start → first TwiML)", DefaultValueFactory = _ => 5 };
var functions = new Option<string?>("--functions") { Description = "The local Functions runner to run: a published functions-runner executable; default the Release build's dll" };
var functionsEnv = new Option<string[]>("--functions-env") { Description = "Extra Functions app environment setting KEY=VALUE (repeatable), e.g. DOTNET_gcServer=0", AllowMultipleArgumentsPerToken = false };
var output = new Option<string?>("--out") { Description = "Result file (default bench/results/webhook-<time>.json)" };

var root = new RootCommand("Load tool for the incoming-call webhook: cold start, fixed rate and saturation against the Functions app as its own process.")
{
    rate, duration, concurrency, saturation, colds, functions, functionsEnv, output,
};
root.SetAction(async (parse, cancellationToken) =>
{
    var options = new WebhookOptions(parse.GetValue(rate), parse.GetValue(duration), parse.GetValue(concurrency), parse.GetValue(saturation), parse.GetValue(colds), parse.GetValue(functions), parse.GetValue(functionsEnv) ?? [], parse.GetValue(output));
    if (EnvironmentSettings.FirstInvalid(options.FunctionsEnvironment) is { } bad)
    {
        Console.Error.WriteLine($"--functions-env takes KEY=VALUE; got '{bad}'.");
        return 2;
    }

    if (options.Rate < 1 || options.Concurrency < 1 || options.Duration <= TimeSpan.Zero || options.SaturationDuration <= TimeSpan.Zero || options.ColdStarts < 0)
    {
        Console.Error.WriteLine("--rate and --concurrency must be at least 1, the durations more than zero, --cold-starts not negative.");
        return 2;
    }

    return await new WebhookRun(BenchProcesses.RepoRoot(), options).RunAsync(cancellationToken);
});
return await root.Parse(args).InvokeAsync();
