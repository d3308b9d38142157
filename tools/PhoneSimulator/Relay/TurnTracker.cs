namespace AgentOS.Voice.Simulator.Relay;

/// <summary>A turn plus what the script waits on: its end, and a number of answer tokens.</summary>
internal sealed class TurnTracker(CallerTurn record)
{
    private readonly object _gate = new();
    private int _tokens;
    private (int Count, TaskCompletionSource Signal)? _waiter;

    public CallerTurn Record { get; } = record;
    public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task WaitForTokensAsync(int count)
    {
        lock (_gate)
        {
            if (_tokens >= count)
            {
                return Task.CompletedTask;
            }

            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiter = (count, signal);
            return signal.Task;
        }
    }

    public void TokenArrived()
    {
        lock (_gate)
        {
            _tokens++;
            if (_waiter is { } waiter && _tokens >= waiter.Count)
            {
                waiter.Signal.TrySetResult();
                _waiter = null;
            }
        }
    }
}
