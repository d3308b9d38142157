using System.Diagnostics;
using System.Text;
using AgentOS.Voice.Agents;
using AgentOS.Voice.Calls;
using AgentOS.Voice.Events;
using AgentOS.Voice.Hosting;
using AgentOS.Voice.Llm;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace AgentOS.Voice.Conversation;

/// <summary>
/// One live call's lifecycle: it takes the transport's inputs one at a time and dispatches them (the caller's words
/// to <see cref="TurnGenerator"/>, keys to the agent's menu, the call's end), and owns the call's span. The parts it
/// wires together know nothing of it: <see cref="CallOutputGate"/> decides which answer may speak, <see cref="CallLog"/>
/// keeps the history and record, <see cref="ConversationToolRunner"/> runs the model's tools and reports an end
/// through a callback.
/// </summary>
public sealed partial class ConversationSession : IAsyncDisposable
{
    private readonly Agent _agent;
    private readonly CallStart _call;
    private readonly ConversationOptions _options;
    private readonly ILogger _logger;
    private readonly CallEvents? _events;
    private readonly CallLog _log;
    private readonly CallOutputGate _gate;
    private readonly TurnGenerator _turns;

    // The call's span: continues the trace of the webhook that connected the call when its setup carried one.
    private Activity? _activity;

    public ConversationSession(
        Agent agent, CallStart call, IChatClient chat, ICallOutput output, ICallRecorder recorder,
        ConversationOptions options, TimeProvider time, ILogger logger, IAgentToolClient? toolClient = null,
        VoiceEventPublisher? events = null)
    {
        _agent = agent;
        _call = call;
        _options = options;
        _logger = logger;
        _events = CallEvents.For(events, agent.Id, call.CallId, time);
        var shared = PerAgentOf(agent);
        var history = new ConversationHistory(call.Context.Count == 0 ? shared.PromptWithoutContext : BuildPrompt(agent, call.Context), options);
        _log = new CallLog(agent.Id, call, history, recorder, _events, time);
        StartCallActivity(call);
        _gate = new CallOutputGate(output, time);
        var tools = new ConversationToolRunner(agent, call.CallId, options, time, _gate, _log, toolClient, Finish);
        _turns = new TurnGenerator(
            chat, shared.ChatOptions, options, time, _gate, _log, tools, _events, _activity?.Context ?? default,
            agent.PreemptiveGeneration, call.CallId, logger);

        // ConversationRelay speaks the greeting itself; the history must still show it as the agent's first turn.
        var greeting = GreetingTemplate.Fill(agent.Greeting, call.Context);
        if (greeting.Length > 0)
        {
            _log.AddTurn(TurnRole.Agent, greeting);
        }
    }

    public string CallId => _call.CallId;

    /// <summary>
    /// What follows from the agent record alone, made once per record and shared by its calls, never changed after it
    /// is made: a copy per call is memory each live call holds, and a prompt can run to kilobytes. An edited agent is
    /// a new record.
    /// </summary>
    private sealed record PerAgent(ChatOptions ChatOptions, string PromptWithoutContext);

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Agent, PerAgent> s_perAgent = new();

    private static PerAgent PerAgentOf(Agent agent) =>
        s_perAgent.GetValue(agent, static a => new PerAgent(a.Llm.ToChatOptions(ConversationTools.For(a)), BuildPrompt(a, CallStart.NoContext)));

    public bool HasEnded => _log.HasEnded;

    /// <summary>A snapshot of the turns in memory (the most recent ones; all are persisted).</summary>
    public IReadOnlyList<HistoryTurn> History => _log.History;

    /// <summary>The call record as it stands (counters update as the call goes).</summary>
    public CallRecord Record => _log.Record;

    /// <summary>Completes when no generation is in flight (for shutdown and tests).</summary>
    public Task Idle => _turns.Idle;

    public async Task HandleAsync(CallInput input)
    {
        if (HasEnded && input is not CallEnded)
        {
            return;
        }

        switch (input)
        {
            case CallerSpeaking speaking:
                await _turns.OnCallerSpeakingAsync(speaking.Text);
                break;
            case CallerSaid said:
                if (await _turns.TryKeepSpeculationAsync(said.Text))
                {
                    break;
                }

                // A speculation on other words is cancelled here, unsent and unrecorded.
                await _turns.CancelAsync(heardText: null);
                _log.AddTurn(TurnRole.Caller, said.Text);
                _turns.Start();
                break;
            case CallerInterrupted interrupted:
                VoiceTelemetry.Interrupts.Add(1);
                if (!await _turns.CancelAsync(interrupted.HeardText))
                {
                    // The answer had been fully sent; the caller cut off its playback.
                    _log.CutOffLastAnswer(interrupted.HeardText);
                }

                break;
            case KeyPressed key:
                _events?.KeyPressed(key.Key);
                await HandleKeyAsync(key.Key);
                break;
            case TransportError error:
                LogTransportError(_call.CallId, error.Description);
                _log.SetLastError(error.Description);
                break;
            case CallEnded ended:
                await _turns.CancelAsync(heardText: null);
                Finish(ended.Reason, handoffData: null);
                break;
        }
    }

    private async Task HandleKeyAsync(string key)
    {
        if (!_agent.DtmfMenu.TryGetValue(key, out var action))
        {
            await HandleAsync(new CallerSaid($"(The caller pressed {key} on the keypad.)"));
            return;
        }

        await _turns.CancelAsync(heardText: null);
        _log.AddTurn(TurnRole.Caller, $"(pressed {key})");
        switch (action.Kind)
        {
            case DtmfActionKind.Handoff:
                await HandOffAsync($"caller pressed {key}");
                break;
            case DtmfActionKind.Say:
                await SayWholeAsync(action.Text ?? _options.FallbackText);
                break;
            case DtmfActionKind.End:
                await EndCallAsync(action.Text ?? _options.GoodbyeText);
                break;
        }
    }

    private async Task SayWholeAsync(string text)
    {
        await _gate.SendAsync(null, (o, ct) => o.SayAsync(text, last: true, ct));
        _log.AddSpoken(text);
        _log.AddTurn(TurnRole.Agent, text);
    }

    private async Task HandOffAsync(string reason)
    {
        if (string.IsNullOrWhiteSpace(_agent.TransferNumber))
        {
            await SayWholeAsync(_options.NoHandoffText);
            return;
        }

        await SayWholeAsync(_options.HandoffText);
        var data = HandoffData.LiveAgent(reason, _call.CallId, _agent.Id);
        await _gate.SendAsync(null, (o, ct) => o.EndAsync(data, ct));
        Finish(CallEndReasons.HandedOff, data);
    }

    private async Task EndCallAsync(string goodbye)
    {
        await SayWholeAsync(goodbye);
        await _gate.SendAsync(null, (o, ct) => o.EndAsync(null, ct));
        Finish(CallEndReasons.AgentEnded, handoffData: null);
    }

    /// <summary>Ends the call once, from an input or from a tool inside an answer.</summary>
    private void Finish(string reason, string? handoffData)
    {
        if (!_log.End(reason, handoffData))
        {
            return;
        }

        if (reason == CallEndReasons.HandedOff)
        {
            VoiceTelemetry.Handoffs.Add(1);
        }

        _activity?.SetTag("agentos.call.end_reason", reason);
        StopCallActivity();
    }

    private void StartCallActivity(CallStart call)
    {
        // Current only while it is created: the session's work is parented explicitly, never by where it was made.
        var previous = Activity.Current;
        _activity = VoiceTelemetry.Source.StartActivity("call", ActivityKind.Server, VoiceTelemetry.ParentFrom(call.TraceParent));
        Activity.Current = previous;
        if (_activity is { IsAllDataRequested: true })
        {
            _activity.SetTag(VoiceTelemetry.CallIdTag, call.CallId);
            _activity.SetTag(VoiceTelemetry.AgentIdTag, _agent.Id);
            _activity.SetTag("agentos.call.direction", call.Direction);
            _activity.SetTag("twilio.call_sid", call.CallSid);
        }
    }

    private void StopCallActivity() => Interlocked.Exchange(ref _activity, null)?.Stop();

    private static string BuildPrompt(Agent agent, IReadOnlyDictionary<string, string> context)
    {
        var prompt = new StringBuilder(agent.SystemPrompt);
        prompt.Append("\n\nYou are speaking on a phone call: answer in short spoken sentences, no lists or formatting.");
        if (context.Count > 0)
        {
            prompt.Append("\nAbout this call:");
            foreach (var (key, value) in context)
            {
                prompt.Append("\n- ").Append(key).Append(": ").Append(value);
            }
        }

        return prompt.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        _turns.StopSpeculating();
        await _turns.CancelAsync(heardText: null);
        await _gate.DisposeAsync();
        StopCallActivity();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {CallId}: Twilio reported an error: {Description}")]
    private partial void LogTransportError(string callId, string description);
}
