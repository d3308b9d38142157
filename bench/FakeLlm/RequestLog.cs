using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Serialization;

namespace AgentOS.Voice.Bench.FakeLlm;

/// <summary>
/// One streamed answer as the fake saw it. Timestamps are raw <see cref="Stopwatch.GetTimestamp"/> values
/// (CLOCK_MONOTONIC on Linux), so the load tool can compare them with its own.
/// </summary>
public sealed class StreamRecord
{
    private long _abortedAt;

    public string Tag { get; set; } = "";
    public long ReceivedAt { get; set; }
    public long FirstTokenAt { get; set; }
    public long LastTokenAt { get; set; }
    public int TokensWritten { get; set; }
    /// <summary>When Kestrel saw the client close the stream before the answer ended; 0 when it did not.</summary>
    public long AbortedAt { get => Volatile.Read(ref _abortedAt); set => _abortedAt = value; }
    public bool Completed { get; set; }

    /// <summary>The first of the two places that see the close records it (see ChatCompletionStream).</summary>
    internal bool TryMarkAborted(long at) => Interlocked.CompareExchange(ref _abortedAt, at, 0) == 0;
}

public sealed class FakeLlmStats
{
    public long TimestampFrequency { get; set; } = Stopwatch.Frequency;
    public long Requests { get; set; }
    public long Aborted { get; set; }
    /// <summary>How late the token schedule ran (actual write − scheduled time), in ms, per token written.</summary>
    public double[] LatenessMs { get; set; } = [];
    public StreamRecord[] Streams { get; set; } = [];
}

[JsonSerializable(typeof(FakeLlmStats))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
public sealed partial class FakeLlmJson : JsonSerializerContext;

/// <summary>Every stream since the last reset, for the load tool to collect at the end of a run.</summary>
public sealed class RequestLog
{
    private ConcurrentQueue<StreamRecord> _streams = new();
    private ConcurrentQueue<double> _lateness = new();
    private long _requests;
    private long _aborted;

    public StreamRecord Start(string tag, long receivedAt)
    {
        Interlocked.Increment(ref _requests);
        var record = new StreamRecord { Tag = tag, ReceivedAt = receivedAt };
        _streams.Enqueue(record);
        return record;
    }

    public void Aborted(StreamRecord record, long at)
    {
        if (record.TryMarkAborted(at))
        {
            Interlocked.Increment(ref _aborted);
        }
    }

    public void Late(double ms) => _lateness.Enqueue(ms);

    public FakeLlmStats Snapshot() => new()
    {
        Requests = Interlocked.Read(ref _requests),
        Aborted = Interlocked.Read(ref _aborted),
        LatenessMs = [.. _lateness],
        Streams = [.. _streams],
    };

    public void Reset()
    {
        _streams = new();
        _lateness = new();
        Interlocked.Exchange(ref _requests, 0);
        Interlocked.Exchange(ref _aborted, 0);
    }
}
