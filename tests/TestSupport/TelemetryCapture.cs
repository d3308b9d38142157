using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace AgentOS.Voice.TestSupport;

/// <summary>
/// The spans, metrics and logs an app under test emits, read through OpenTelemetry's in-memory exporters added to the
/// app's own providers: what is read here went through the same pipeline an exporter to Application Insights gets.
/// </summary>
public sealed class TelemetryCapture
{
    public const string SourceName = "AgentOS.Voice";

    private readonly ConcurrentQueue<Activity> _spans = new();
    private readonly ConcurrentQueue<MetricSnapshot> _metrics = new();
    private readonly ConcurrentQueue<LogRecord> _logs = new();
    private IServiceProvider? _services;

    /// <summary>Adds the exporters; pass to the test host's service configuration.</summary>
    public void AddTo(IServiceCollection services)
    {
        services.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(new QueueCollection<Activity>(_spans)));
        services.ConfigureOpenTelemetryMeterProvider(m => m.AddInMemoryExporter(new QueueCollection<MetricSnapshot>(_metrics)));
        services.ConfigureOpenTelemetryLoggerProvider(l => l.AddInMemoryExporter(new QueueCollection<LogRecord>(_logs)));
    }

    /// <summary>The app's services, once built: metrics are read by flushing its meter provider.</summary>
    public void Attach(IServiceProvider services) => _services = services;

    /// <summary>The product's own spans (source AgentOS.Voice) ended so far.</summary>
    public IReadOnlyList<Activity> Spans => _spans.Where(s => s.Source.Name == SourceName).ToList();

    public IReadOnlyList<LogRecord> Logs => _logs.ToList();

    /// <summary>Current cumulative value of a counter or up-down counter, summed over the points whose tags match.</summary>
    public long Sum(string name, params (string Key, string Value)[] tags) =>
        Points(name).Where(p => Matches(p, tags)).Sum(p => p.GetSumLong());

    public long HistogramCount(string name) => Points(name).Sum(p => p.GetHistogramCount());

    private List<MetricPoint> Points(string name)
    {
        var provider = (_services ?? throw new InvalidOperationException("Attach the app's services first.")).GetRequiredService<MeterProvider>();
        _metrics.Clear();
        Assert.True(provider.ForceFlush(10_000), "the meter provider did not flush");
        // Cumulative temporality: each export holds every instrument's running total, so the last one is the answer.
        return _metrics.LastOrDefault(m => m.Name == name)?.MetricPoints.ToList() ?? [];
    }

    private static bool Matches(MetricPoint point, (string Key, string Value)[] tags)
    {
        var present = new Dictionary<string, object?>();
        foreach (var tag in point.Tags)
        {
            present[tag.Key] = tag.Value;
        }

        return tags.All(t => present.TryGetValue(t.Key, out var v) && Equals(v, t.Value));
    }

    /// <summary>The exporters add from the apps' threads while a test reads: a thread-safe ICollection.</summary>
    private sealed class QueueCollection<T>(ConcurrentQueue<T> queue) : ICollection<T>
    {
        public int Count => queue.Count;
        public bool IsReadOnly => false;
        public void Add(T item) => queue.Enqueue(item);
        public void Clear() => queue.Clear();
        public bool Contains(T item) => queue.Contains(item);
        public void CopyTo(T[] array, int arrayIndex) => queue.ToArray().CopyTo(array, arrayIndex);
        public bool Remove(T item) => throw new NotSupportedException();
        public IEnumerator<T> GetEnumerator() => queue.GetEnumerator();
        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
