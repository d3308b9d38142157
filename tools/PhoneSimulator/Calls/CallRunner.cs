using System.Globalization;

namespace AgentOS.Voice.Simulator.Calls;

/// <summary>Runs one call from creation to its final status: ringing, the callee's behaviour, AMD, then its TwiML.</summary>
internal sealed class CallRunner
{
    private readonly SimulatorContext _context;
    private readonly SimulatedCall _call;
    private readonly NumberBehavior _callee;
    private readonly TwimlExecutor _executor;
    private int _sequence;
    private DateTimeOffset? _answeredAt;

    public CallRunner(SimulatorContext context, SimulatedCall call, NumberBehavior callee)
    {
        _context = context;
        _call = call;
        _callee = callee;
        _executor = new TwimlExecutor(context, call, callee, this);
    }

    /// <summary>Set while a voicemail greeting runs and after; null when the callee is not a voicemail box.</summary>
    public bool? BeepDone { get; private set; }

    public Task RunOutboundAsync() => RunAsync(async token =>
    {
        var request = _call.Request!;
        await ProgressAsync("initiated", "initiated", token);
        await _context.DelayAsync(0.5, token);
        await ProgressAsync("ringing", "ringing", token);
        switch (_callee.Kind)
        {
            case NumberKind.Busy:
                await _context.DelayAsync(2, token);
                await FinishAsync("busy");
                return;
            case NumberKind.NoAnswer:
                await _context.DelayAsync(request.Timeout, token);
                await FinishAsync("no-answer");
                return;
            case NumberKind.Failed:
                await _context.DelayAsync(0.5, token);
                await FinishAsync("failed");
                return;
        }

        await _context.DelayAsync(1, token);
        await AnswerAsync(token);
        var extra = await StartMachineDetectionAsync(token);
        var first = await _executor.FetchAsync(request.Source, "voice url", "in-progress", extra, null, token);
        await _executor.RunAsync(first, token);
        await FinishAsync("completed");
    });

    public Task RunInboundAsync(string webhookUrl) => RunAsync(async token =>
    {
        _call.SetStatus("ringing");
        var first = await _executor.FetchAsync(TwimlSource.FromUrl(webhookUrl), "incoming call webhook", "ringing", [], null, token);
        // Twilio answers even when the webhook fails: the caller hears "an application error has occurred".
        await AnswerAsync(token);
        await _executor.RunAsync(first, token);
        await FinishAsync("completed");
    });

    /// <summary>Runs a call to its end: a hang-up ends it as canceled or completed, a fault of ours as failed.</summary>
    private async Task RunAsync(Func<CancellationToken, Task> call)
    {
        var token = _call.HangUp.Token;
        try
        {
            await call(token);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            await FinishAsync(_answeredAt is null ? "canceled" : "completed");
        }
        catch (Exception ex)
        {
            _call.Log(new CallError($"simulator fault: {ex.Message}"));
            await FinishAsync("failed");
        }
    }

    public List<KeyValuePair<string, string>> StandardParameters(string callStatus) =>
    [
        new("AccountSid", _call.AccountSid),
        new("ApiVersion", SimulatorContext.ApiVersion),
        new("CallSid", _call.Sid),
        new("CallStatus", callStatus),
        new("Called", _call.To),
        new("Caller", _call.From),
        new("Direction", _call.Direction),
        new("From", _call.From),
        new("To", _call.To),
    ];

    private async Task AnswerAsync(CancellationToken token)
    {
        _answeredAt = _context.Options.TimeProvider.GetUtcNow();
        _call.StartTime = _answeredAt;
        if (_call.Request?.TimeLimit is { } limit)
        {
            _call.HangUp.CancelAfter(TimeSpan.FromSeconds(limit * _context.Options.TimeScale));
        }

        await ProgressAsync("in-progress", "answered", token);
    }

    /// <summary>Starts the callee's greeting and AMD; returns the parameters the first TwiML request carries.</summary>
    private async Task<List<KeyValuePair<string, string>>> StartMachineDetectionAsync(CancellationToken token)
    {
        var request = _call.Request!;
        var voicemail = _callee.Kind == NumberKind.Voicemail;
        if (voicemail)
        {
            BeepDone = false;
        }

        if (request.MachineDetection is null)
        {
            if (voicemail)
            {
                _ = Task.Run(() => BeepAfterGreetingAsync(token), CancellationToken.None);
            }

            return [];
        }

        var endOfMessage = string.Equals(request.MachineDetection, "DetectMessageEnd", StringComparison.OrdinalIgnoreCase);
        var (answeredBy, detectSeconds) = _callee.Kind switch
        {
            NumberKind.Voicemail when endOfMessage && _callee.GreetingSeconds > request.MachineDetectionTimeout =>
                ("unknown", (double)request.MachineDetectionTimeout),
            NumberKind.Voicemail when endOfMessage => ("machine_end_beep", _callee.GreetingSeconds),
            NumberKind.Voicemail => ("machine_start", Math.Min(3, _callee.GreetingSeconds)),
            _ => ("human", 2.0),
        };

        if (voicemail && !(endOfMessage && answeredBy == "machine_end_beep"))
        {
            _ = Task.Run(() => BeepAfterGreetingAsync(token), CancellationToken.None);
        }

        if (!request.AsyncAmd)
        {
            await DetectAsync(answeredBy, detectSeconds, token);
            return [new("AnsweredBy", answeredBy)];
        }

        // Async AMD: the TwiML starts at once and the verdict arrives on its own callback while it plays.
        _ = Task.Run(async () =>
        {
            try
            {
                await DetectAsync(answeredBy, detectSeconds, token);
                if (request.AsyncAmdStatusCallback is { } url)
                {
                    List<KeyValuePair<string, string>> parameters =
                    [
                        new("AccountSid", _call.AccountSid),
                        new("AnsweredBy", answeredBy),
                        new("CallSid", _call.Sid),
                        new("MachineDetectionDuration", ((int)(detectSeconds * 1000)).ToString(CultureInfo.InvariantCulture)),
                    ];
                    await _context.Webhooks.SendAsync(_call, "AMD status callback", url, request.AsyncAmdStatusCallbackMethod, parameters, token);
                }
            }
            catch (OperationCanceledException)
            {
                // The call ended before detection finished; Twilio sends nothing then either.
            }
        }, CancellationToken.None);
        return [];
    }

    private async Task DetectAsync(string answeredBy, double detectSeconds, CancellationToken token)
    {
        await _context.DelayAsync(detectSeconds, token);
        if (answeredBy == "machine_end_beep")
        {
            // The end-of-message verdict is the beep: mark it first so TwiML sent in reply plays after it.
            MarkBeep();
        }

        _call.AnsweredBy = answeredBy;
        _call.Log(new MachineDetected(answeredBy, (int)(detectSeconds * 1000)));
    }

    private async Task BeepAfterGreetingAsync(CancellationToken token)
    {
        try
        {
            await _context.DelayAsync(_callee.GreetingSeconds, token);
            MarkBeep();
        }
        catch (OperationCanceledException)
        {
            // Hung up during the greeting.
        }
    }

    private void MarkBeep()
    {
        BeepDone = true;
        _call.Log(new BeepHeard());
    }

    private async Task ProgressAsync(string status, string eventName, CancellationToken token)
    {
        _call.SetStatus(status);
        var request = _call.Request;
        if (request?.StatusCallback is { } url && request.StatusCallbackEvents.Contains(eventName))
        {
            await SendStatusCallbackAsync(url, request.StatusCallbackMethod, status, [], token);
        }
    }

    private async Task FinishAsync(string status)
    {
        if (_call.IsFinished)
        {
            return;
        }

        var now = _context.Options.TimeProvider.GetUtcNow();
        var duration = _answeredAt is { } answered ? _context.SimulatedSeconds(now - answered) : 0;
        _call.Duration = duration;
        _call.SetStatus(status);
        var request = _call.Request;
        if (request?.StatusCallback is not { } url)
        {
            return;
        }

        List<KeyValuePair<string, string>> extra = [new("CallDuration", duration.ToString(CultureInfo.InvariantCulture))];
        if (request.Record && duration > 0)
        {
            var recordingSid = SimulatorContext.NewSid("RE");
            _context.Recordings[recordingSid] = Audio.WavWriter.Tone(TimeSpan.FromSeconds(Math.Min(duration, 60)));
            _call.Log(new RecordingMade(recordingSid, _context.RecordingUrl(recordingSid), duration));
            extra.Add(new("RecordingSid", recordingSid));
            extra.Add(new("RecordingUrl", _context.RecordingUrl(recordingSid)));
            extra.Add(new("RecordingDuration", duration.ToString(CultureInfo.InvariantCulture)));
        }

        await SendStatusCallbackAsync(url, request.StatusCallbackMethod, status, extra, CancellationToken.None);
    }

    private async Task SendStatusCallbackAsync(
        string url, string method, string status, List<KeyValuePair<string, string>> extra, CancellationToken token)
    {
        var parameters = StandardParameters(status);
        parameters.Add(new("CallbackSource", "call-progress-events"));
        parameters.Add(new("SequenceNumber", (Interlocked.Increment(ref _sequence) - 1).ToString(CultureInfo.InvariantCulture)));
        parameters.Add(new("Timestamp", _context.Options.TimeProvider.GetUtcNow().ToString("r", CultureInfo.InvariantCulture)));
        if (_call.AnsweredBy is { } answeredBy)
        {
            parameters.Add(new("AnsweredBy", answeredBy));
        }

        parameters.AddRange(extra);
        await _context.Webhooks.SendAsync(_call, $"status callback ({status})", url, method, parameters, token);
    }
}
