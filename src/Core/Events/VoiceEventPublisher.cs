using System.Diagnostics.Metrics;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.Channels;
using AgentOS.Voice.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AgentOS.Voice.Events;

/// <summary>
/// Sends events to Web PubSub without ever holding up the call or message that made them: <see cref="Publish"/> only
/// writes to a bounded buffer and drops the event when it is full. One loop takes what is buffered, sends one JSON
/// array of CloudEvents per group per round (a few requests in flight), and retries 429/5xx with backoff. Drops and
/// failed sends are counted (<c>agentos.voice.events.dropped</c>, tagged by reason) and logged at most every
/// <see cref="DropLogInterval"/>.
/// </summary>
public sealed partial class VoiceEventPublisher : BackgroundService
{
    public const string DroppedCounterName = "agentos.voice.events.dropped";
    public const string SentCounterName = "agentos.voice.events.sent";
    public const string BufferFull = "buffer-full";
    public const string SendFailed = "send-failed";

    private static readonly TimeSpan DropLogInterval = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(10);

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly WebPubSubServiceClient? _client;
    private readonly EventsOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<VoiceEventPublisher> _logger;
    private readonly Channel<VoiceEvent>? _buffer;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _sent;
    private long _bufferFullSinceLog;
    private long _sendFailedSinceLog;
    private long _lastDropLogTicks = long.MinValue;
    private string? _lastError;

    /// <param name="client">Null when events are off: <see cref="Publish"/> then does nothing.</param>
    public VoiceEventPublisher(
        WebPubSubServiceClient? client, EventsOptions options, TimeProvider time, IMeterFactory meters, ILogger<VoiceEventPublisher> logger)
    {
        _client = client;
        _options = options;
        _time = time;
        _logger = logger;
        var meter = meters.Create(VoiceTelemetry.MeterName);
        _dropped = meter.CreateCounter<long>(DroppedCounterName, "{event}", "Events not delivered to Web PubSub, by reason");
        _sent = meter.CreateCounter<long>(SentCounterName, "{event}", "Events Web PubSub accepted (counted once per group)");
        if (client is not null)
        {
            _buffer = Channel.CreateBounded<VoiceEvent>(new BoundedChannelOptions(options.BufferCapacity)
            {
                FullMode = BoundedChannelFullMode.Wait, // TryWrite then fails instead of waiting, and we count the drop
                SingleReader = true,
            });
        }
    }

    /// <summary>False when no Web PubSub is configured; callers skip building events then.</summary>
    public bool Enabled => _buffer is not null;

    public EventsOptions Options => _options;

    /// <summary>The Web PubSub client the events go through (null when off); negotiate makes client URLs with it.</summary>
    public WebPubSubServiceClient? Client => _client;

    /// <summary>Buffers the event for sending; never waits. A full buffer drops it (counted).</summary>
    public void Publish(VoiceEvent voiceEvent)
    {
        if (_buffer is not null && !_buffer.Writer.TryWrite(voiceEvent))
        {
            Interlocked.Increment(ref _bufferFullSinceLog);
            _dropped.Add(1, new KeyValuePair<string, object?>("reason", BufferFull));
            LogDropsIfDue();
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // Send what is buffered before stopping (a call's last events are its ending), as long as shutdown allows.
        _buffer?.Writer.TryComplete();
        if (ExecuteTask is { } loop)
        {
            await Task.WhenAny(loop, Task.Delay(Timeout.Infinite, cancellationToken));
        }

        await base.StopAsync(cancellationToken);
        LogDropsIfDue(force: true);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_buffer is null)
        {
            return;
        }

        var batch = new List<VoiceEvent>(_options.MaxBatchEvents);
        try
        {
            while (await _buffer.Reader.WaitToReadAsync(stoppingToken))
            {
                while (batch.Count < _options.MaxBatchEvents && _buffer.Reader.TryRead(out var next))
                {
                    batch.Add(next);
                }

                await SendRoundAsync(batch, stoppingToken);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutdown ran out of time; what is left is dropped with the process.
        }
    }

    private async Task SendRoundAsync(List<VoiceEvent> batch, CancellationToken cancellationToken)
    {
        // Each event is serialized once and its bytes shared by every group it goes to.
        var byGroup = new Dictionary<string, List<byte[]>>(StringComparer.Ordinal);
        foreach (var voiceEvent in batch)
        {
            var bytes = JsonSerializer.SerializeToUtf8Bytes(voiceEvent, Json);
            foreach (var group in voiceEvent.Groups)
            {
                if (!byGroup.TryGetValue(group, out var list))
                {
                    byGroup[group] = list = [];
                }

                list.Add(bytes);
            }
        }

        await Parallel.ForEachAsync(
            byGroup,
            new ParallelOptions { MaxDegreeOfParallelism = _options.MaxConcurrentSends, CancellationToken = cancellationToken },
            (entry, ct) => new ValueTask(SendWithRetriesAsync(entry.Key, entry.Value, ct)));
        LogDropsIfDue();
    }

    private async Task SendWithRetriesAsync(string group, List<byte[]> events, CancellationToken cancellationToken)
    {
        var body = JsonArray(events);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await _client!.SendToGroupAsync(group, body, cancellationToken);
                _sent.Add(events.Count);
                return;
            }
            catch (WebPubSubRequestException e) when (e.IsTransient && attempt < _options.MaxAttempts)
            {
                await Task.Delay(RetryDelay(attempt, e.RetryAfter), _time, cancellationToken);
            }
            catch (WebPubSubRequestException e)
            {
                _lastError = e.Message;
                Interlocked.Add(ref _sendFailedSinceLog, events.Count);
                _dropped.Add(events.Count, new KeyValuePair<string, object?>("reason", SendFailed));
                return;
            }
        }
    }

    private TimeSpan RetryDelay(int attempt, TimeSpan? retryAfter)
    {
        if (retryAfter is { } asked && asked > TimeSpan.Zero)
        {
            return asked < MaxRetryDelay ? asked : MaxRetryDelay;
        }

        // Exponential with ±20 % jitter, so replicas that failed together do not retry together.
        var delay = _options.RetryBaseDelay * Math.Pow(2, attempt - 1) * (0.8 + (Random.Shared.NextDouble() * 0.4));
        return delay < MaxRetryDelay ? delay : MaxRetryDelay;
    }

    private static byte[] JsonArray(List<byte[]> events)
    {
        var body = new byte[events.Sum(e => e.Length) + events.Count + 1];
        var at = 0;
        body[at++] = (byte)'[';
        for (var i = 0; i < events.Count; i++)
        {
            if (i > 0)
            {
                body[at++] = (byte)',';
            }

            events[i].CopyTo(body, at);
            at += events[i].Length;
        }

        body[at] = (byte)']';
        return body;
    }

    /// <summary>One line for many drops: at most every <see cref="DropLogInterval"/>, with the counts since the last line.</summary>
    private void LogDropsIfDue(bool force = false)
    {
        var now = _time.GetTimestamp();
        var last = Interlocked.Read(ref _lastDropLogTicks);
        if (Interlocked.Read(ref _bufferFullSinceLog) + Interlocked.Read(ref _sendFailedSinceLog) == 0
            || (!force && last != long.MinValue && _time.GetElapsedTime(last, now) < DropLogInterval)
            || Interlocked.CompareExchange(ref _lastDropLogTicks, now, last) != last)
        {
            return;
        }

        var bufferFull = Interlocked.Exchange(ref _bufferFullSinceLog, 0);
        var sendFailed = Interlocked.Exchange(ref _sendFailedSinceLog, 0);
        LogDropped(bufferFull, sendFailed, _options.BufferCapacity, _lastError ?? "none");
    }

    [LoggerMessage(Level = LogLevel.Warning, Message =
        "Live events dropped: {BufferFull} because the buffer of {Capacity} was full, {SendFailed} because Web PubSub refused or failed them (last error: {LastError}). Calls and messages are not affected.")]
    private partial void LogDropped(long bufferFull, long sendFailed, int capacity, string lastError);
}
