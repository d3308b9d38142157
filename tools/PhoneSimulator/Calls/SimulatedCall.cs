using System.Text.Json.Serialization;
using AgentOS.Voice.Simulator.Relay;

namespace AgentOS.Voice.Simulator.Calls;

/// <summary>A call the simulator placed or received, with its state and its ordered log.</summary>
public sealed class SimulatedCall
{
    private readonly List<CallEvent> _events = [];
    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private TwimlSource? _pendingUpdate;
    private CancellationTokenSource? _currentDocument;

    internal SimulatedCall(string sid, string accountSid, string from, string to, string direction, CallRequest? request, TimeProvider time)
    {
        Sid = sid;
        AccountSid = accountSid;
        From = from;
        To = to;
        Direction = direction;
        Request = request;
        _time = time;
        DateCreated = time.GetUtcNow();
    }

    public string Sid { get; }
    public string AccountSid { get; }
    public string From { get; }
    public string To { get; }
    /// <summary>outbound-api or inbound.</summary>
    public string Direction { get; }
    public string Status { get; private set; } = "queued";
    public DateTimeOffset DateCreated { get; }
    public DateTimeOffset? StartTime { get; internal set; }
    public DateTimeOffset? EndTime { get; private set; }
    /// <summary>Simulated seconds from answer to end.</summary>
    public int? Duration { get; internal set; }
    public string? AnsweredBy { get; internal set; }
    [JsonIgnore]
    public CallRequest? Request { get; }
    [JsonIgnore]
    internal CallerScript? Script { get; init; }
    internal CancellationTokenSource HangUp { get; } = new();

    public bool IsFinished => Status is "completed" or "busy" or "no-answer" or "failed" or "canceled";

    public IReadOnlyList<CallEvent> Events { get { lock (_gate) { return _events.ToArray(); } } }

    /// <summary>Raised after each event is logged (on the call's own thread; keep it quick).</summary>
    internal event Action<SimulatedCall, CallEvent>? EventLogged;

    internal void Log(CallEvent entry)
    {
        var stamped = entry with { At = _time.GetUtcNow() };
        lock (_gate)
        {
            _events.Add(stamped);
        }

        EventLogged?.Invoke(this, stamped);
    }

    internal void SetStatus(string status)
    {
        lock (_gate)
        {
            if (IsFinished)
            {
                return;
            }

            Status = status;
            if (IsFinished)
            {
                EndTime = _time.GetUtcNow();
            }
        }

        Log(new StatusChanged(status));
    }

    /// <summary>Abandons the TwiML now running in favour of new TwiML, as an update-call request does.</summary>
    internal void Redirect(TwimlSource source)
    {
        lock (_gate)
        {
            _pendingUpdate = source;
            _currentDocument?.Cancel();
        }
    }

    internal CancellationToken BeginDocument(CancellationToken callToken)
    {
        lock (_gate)
        {
            _currentDocument?.Dispose();
            _currentDocument = CancellationTokenSource.CreateLinkedTokenSource(callToken);
            return _currentDocument.Token;
        }
    }

    internal TwimlSource? TakePendingUpdate()
    {
        lock (_gate)
        {
            var update = _pendingUpdate;
            _pendingUpdate = null;
            return update;
        }
    }
}
