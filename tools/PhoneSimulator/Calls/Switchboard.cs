using System.Collections.Concurrent;
using AgentOS.Voice.Simulator.Relay;

namespace AgentOS.Voice.Simulator.Calls;

/// <summary>Places calls, keeps every call the simulator has seen, and wakes whoever waits for a call to change.</summary>
internal sealed class Switchboard(SimulatorContext context)
{
    private readonly ConcurrentDictionary<string, SimulatedCall> _bySid = new(StringComparer.Ordinal);
    private readonly List<SimulatedCall> _inOrder = [];
    private readonly List<Task> _running = [];
    private TaskCompletionSource _changed = NewSignal();

    public SimulatorContext Context { get; } = context;

    public event Action<SimulatedCall, CallEvent>? EventLogged;

    public IReadOnlyList<SimulatedCall> Calls { get { lock (_inOrder) { return _inOrder.ToArray(); } } }

    public SimulatedCall? Find(string sid) => _bySid.GetValueOrDefault(sid);

    /// <summary>
    /// Places an outbound call and returns <paramref name="asCreated"/>'s view of it, taken before the call starts to
    /// run: Twilio answers a create-call request with the resource as queued, whatever the call does next.
    /// </summary>
    public T PlaceOutbound<T>(CallRequest request, Func<SimulatedCall, T> asCreated)
    {
        var callee = Context.Options.Numbers.GetValueOrDefault(request.To) ?? NumberBehavior.Person();
        var call = Register(new SimulatedCall(
            SimulatorContext.NewSid("CA"), Context.Options.AccountSid, request.From, request.To, "outbound-api", request, Context.Options.TimeProvider));
        var created = asCreated(call);
        Track(Task.Run(() => new CallRunner(Context, call, callee).RunOutboundAsync()));
        return created;
    }

    public SimulatedCall PlaceInbound(string from, string to, string webhookUrl, CallerScript? script)
    {
        var call = Register(new SimulatedCall(
            SimulatorContext.NewSid("CA"), Context.Options.AccountSid, from, to, "inbound", null, Context.Options.TimeProvider)
        {
            Script = script,
        });
        Track(Task.Run(() => new CallRunner(Context, call, NumberBehavior.Person(script)).RunInboundAsync(webhookUrl)));
        return call;
    }

    public async Task<SimulatedCall> WaitForAsync(Func<SimulatedCall, bool> predicate, string what, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (true)
        {
            var changed = Volatile.Read(ref _changed).Task;
            var match = Calls.FirstOrDefault(predicate);
            if (match is not null)
            {
                return match;
            }

            try
            {
                await changed.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                var seen = string.Join("; ", Calls.Select(c => $"{c.Sid} {c.To} {c.Status}"));
                throw new TimeoutException($"No call {what} within {timeout.TotalSeconds:0.#} s. Calls: {(seen.Length == 0 ? "none" : seen)}");
            }
        }
    }

    /// <summary>Hangs up every live call and waits for their runners to finish.</summary>
    public async Task StopAsync()
    {
        foreach (var call in Calls)
        {
            await call.HangUp.CancelAsync();
        }

        Task[] running;
        lock (_running)
        {
            running = _running.ToArray();
        }

        await Task.WhenAll(running).WaitAsync(TimeSpan.FromSeconds(10));
    }

    private SimulatedCall Register(SimulatedCall call)
    {
        call.EventLogged += OnEvent;
        _bySid[call.Sid] = call;
        lock (_inOrder)
        {
            _inOrder.Add(call);
        }

        Pulse();
        return call;
    }

    private void Track(Task task)
    {
        lock (_running)
        {
            _running.RemoveAll(t => t.IsCompleted);
            _running.Add(task);
        }
    }

    private void OnEvent(SimulatedCall call, CallEvent entry)
    {
        EventLogged?.Invoke(call, entry);
        Pulse();
    }

    private void Pulse() => Interlocked.Exchange(ref _changed, NewSignal()).TrySetResult();

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
