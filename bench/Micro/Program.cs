using AgentOS.Voice.Bench.Micro;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

// In-process and short: on a shared 2-core machine a generated-project build can outlast BenchmarkDotNet's build
// timeout, and long iterations buy little precision. Allocation counts are exact either way.
var results = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "results", "micro");
var config = DefaultConfig.Instance
    .AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithWarmupCount(3).WithIterationCount(8).WithLaunchCount(1))
    .AddDiagnoser(MemoryDiagnoser.Default)
    .WithArtifactsPath(Path.GetFullPath(results))
    .WithOptions(ConfigOptions.JoinSummary);
BenchmarkSwitcher.FromAssembly(typeof(HotPathBenchmarks).Assembly).Run(args, config);
