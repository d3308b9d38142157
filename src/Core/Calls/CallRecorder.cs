using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AgentOS.Voice.Calls;

/// <summary>Takes call records and transcript turns to persist later; never waits, so it cannot delay a token.</summary>
public interface ICallRecorder
{
    void Record(CallRecord call);

    void Record(TranscriptTurn turn);
}

/// <summary>
/// One bounded queue per process drained by one background writer into the call store. When storage falls so far
/// behind that the queue is full, new rows are dropped with a warning rather than slowing live calls. On shutdown the
/// queue is drained before the process exits.
/// </summary>
public sealed partial class BackgroundCallRecorder(ICallStore store, ILogger<BackgroundCallRecorder> logger) : IHostedService, ICallRecorder
{
    public const int Capacity = 10_000;

    private Task _writer = Task.CompletedTask;

    private readonly Channel<object> _queue = Channel.CreateBounded<object>(new BoundedChannelOptions(Capacity)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.DropWrite,
    });

    public void Record(CallRecord call) => Enqueue(call, call.CallId);

    public void Record(TranscriptTurn turn) => Enqueue(turn, turn.CallId);

    private void Enqueue(object row, string callId)
    {
        if (!_queue.Writer.TryWrite(row))
        {
            LogDropped(callId, row.GetType().Name);
        }
    }

    // Not a BackgroundService: its ExecuteAsync is skipped entirely when stopping comes before it started, and
    // rows queued by then must still be written.
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _writer = Task.Run(WriteAllAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>Takes no more rows and waits (as long as the host allows) for the queued ones to be written.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        await _writer.WaitAsync(cancellationToken);
    }

    private async Task WriteAllAsync()
    {
        await foreach (var row in _queue.Reader.ReadAllAsync(CancellationToken.None))
        {
            try
            {
                var write = row switch
                {
                    CallRecord call => store.UpsertCallAsync(call, CancellationToken.None),
                    TranscriptTurn turn => store.UpsertTurnAsync(turn, CancellationToken.None),
                    _ => Task.CompletedTask,
                };
                await write;
            }
            catch (Exception e)
            {
                LogWriteFailed(e, row.GetType().Name);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call store queue full: dropped a {Row} of call {CallId}")]
    private partial void LogDropped(string callId, string row);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not store a {Row}")]
    private partial void LogWriteFailed(Exception e, string row);
}
