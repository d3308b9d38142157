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
/// One live call: owns its history and at most one generation in flight. Inputs arrive one at a time from the
/// transport; the generation streams on its own task. Every send happens under one emit lock, and a generation may
/// send only while its id is the current one: cancelling bumps the id first, then cancels (closing the model stream),
/// then waits for the lock once, so after <see cref="HandleAsync"/> returns for an interrupt no token of the cancelled
/// generation can leave.
/// </summary>
public sealed partial class ConversationSession : IAsyncDisposable
{
    private readonly Agent _agent;
    private readonly CallStart _call;
    private readonly IChatClient _chat;
    private readonly ICallOutput _output;
    private readonly ICallRecorder _recorder;
    private readonly ConversationOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ChatOptions _chatOptions;
    private readonly ConversationHistory _history;
    private readonly ConversationToolRunner _tools;
    private readonly IAgentToolClient? _toolClient;
    private readonly CallEvents? _events;
    private readonly SemaphoreSlim _emit = new(1, 1);
    private readonly CancellationTokenSource _lifetime = new();
    private readonly Lock _sync = new();

    // The call's span: continues the trace of the webhook that connected the call when its setup carried one.
    private Activity? _activity;
    private CallRecord _record;
    private long _generationId;
    private Generation? _current;
    private int _nextIndex;
    private bool _ended;

    public ConversationSession(
        Agent agent, CallStart call, IChatClient chat, ICallOutput output, ICallRecorder recorder,
        ConversationOptions options, TimeProvider time, ILogger logger, IAgentToolClient? toolClient = null,
        VoiceEventPublisher? events = null)
    {
        _agent = agent;
        _call = call;
        _chat = chat;
        _output = output;
        _recorder = recorder;
        _options = options;
        _time = time;
        _logger = logger;
        _toolClient = toolClient;
        _events = CallEvents.For(events, agent.Id, call.CallId, time);
        var shared = PerAgentOf(agent);
        _chatOptions = shared.ChatOptions;
        _history = new ConversationHistory(
            call.Context.Count == 0 ? shared.PromptWithoutContext : BuildPrompt(agent, call.Context), options);
        _tools = new ConversationToolRunner(this);
        _record = new CallRecord
        {
            CallId = call.CallId,
            AgentId = agent.Id,
            CallSid = call.CallSid,
            Direction = call.Direction,
            From = call.From,
            To = call.To,
            StartedAt = time.GetUtcNow(),
            Attempt = call.Attempt,
        };
        _recorder.Record(_record);
        _events?.Started(_record);
        StartCallActivity(call);

        // ConversationRelay speaks the greeting itself; the history must still show it as the agent's first turn.
        var greeting = GreetingTemplate.Fill(agent.Greeting, call.Context);
        if (greeting.Length > 0)
        {
            AddTurn(TurnRole.Agent, greeting);
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

    public bool HasEnded
    {
        get { lock (_sync) return _ended; }
    }

    /// <summary>A snapshot of the turns in memory (the most recent ones; all are persisted).</summary>
    public IReadOnlyList<HistoryTurn> History
    {
        get { lock (_sync) return [.. _history.Turns]; }
    }

    /// <summary>The call record as it stands (counters update as the call goes).</summary>
    public CallRecord Record
    {
        get { lock (_sync) return _record; }
    }

    /// <summary>Completes when no generation is in flight (for shutdown and tests).</summary>
    public Task Idle
    {
        get { lock (_sync) return _current?.Task ?? Task.CompletedTask; }
    }

    public async Task HandleAsync(CallInput input)
    {
        if (HasEnded && input is not CallEnded)
        {
            return;
        }

        switch (input)
        {
            case CallerSpeaking speaking:
                await OnCallerSpeakingAsync(speaking.Text);
                break;
            case CallerSaid said:
                if (await TryKeepSpeculationAsync(said.Text))
                {
                    break;
                }

                // A speculation on other words is cancelled here, unsent and unrecorded.
                await CancelGenerationAsync(heardText: null);
                AddTurn(TurnRole.Caller, said.Text);
                StartGeneration();
                break;
            case CallerInterrupted interrupted:
                VoiceTelemetry.Interrupts.Add(1);
                if (!await CancelGenerationAsync(interrupted.HeardText))
                {
                    // The answer had been fully sent; the caller cut off its playback.
                    HistoryTurn? rewritten;
                    lock (_sync) rewritten = _history.MarkLastAgentTurnHeard(interrupted.HeardText);
                    if (rewritten is not null)
                    {
                        Persist(rewritten, firstTokenMs: null, tokens: 0);
                        _events?.AgentTurnDone(rewritten.Index, null, rewritten.Text, interrupted: true, interrupted.HeardText, null, 0);
                    }
                }

                break;
            case KeyPressed key:
                _events?.KeyPressed(key.Key);
                await HandleKeyAsync(key.Key);
                break;
            case TransportError error:
                LogTransportError(_call.CallId, error.Description);
                lock (_sync) _record = _record with { LastError = error.Description };
                break;
            case CallEnded ended:
                await CancelGenerationAsync(heardText: null);
                Finish(ended.Reason, handoffData: null);
                break;
        }
    }

    /// <summary>Starts the answer to the history; with <paramref name="speculatedOn"/>, a held answer to those unfinished words.</summary>
    private void StartGeneration(string? speculatedOn = null)
    {
        var g = new Generation(_time.GetTimestamp());
        if (speculatedOn is null)
        {
            g.Kept.SetResult();
        }
        else
        {
            g.SpeculatedOn = speculatedOn;
            g.Held = [];
        }

        // The turn's span is current on the generation's task only, so the model's and tools' HTTP calls are its children.
        var previous = Activity.Current;
        g.Activity = VoiceTelemetry.Source.StartActivity("turn", ActivityKind.Internal, _activity?.Context ?? default);
        lock (_sync)
        {
            g.Id = ++_generationId;
            _current = g;
            g.Stream = _events?.Answer(g.Id);
            g.Task = Task.Run(() => RunGenerationAsync(g));
        }

        Activity.Current = previous;
    }

    /// <summary>Stops the generation in flight, if any, and records what the caller heard of it. False when none was running.</summary>
    private async Task<bool> CancelGenerationAsync(string? heardText)
    {
        Generation? g;
        lock (_sync)
        {
            g = _current;
            if (g is null)
            {
                return false;
            }

            _current = null;
            _generationId++;
        }

        g.Cancellation.Cancel();
        // A send that passed the id check before the bump may still be writing; once it is done nothing stale can follow.
        await _emit.WaitAsync(CancellationToken.None);
        _emit.Release();
        if (g.Held is not null)
        {
            // A speculation: nothing of it was sent, so nothing is recorded, and for the caller no answer was running.
            g.Activity?.SetTag("agentos.turn.speculation", "cancelled");
            g.Activity?.Stop();
            return false;
        }

        if (Interlocked.Exchange(ref g.PendingTool, null) is { } pending)
        {
            var (text, exchange) = ConversationToolRunner.Interrupted(pending);
            AddTurn(TurnRole.Tool, text, exchange);
        }

        FinishTurn(g, heardText ?? g.Spoken.ToString(), interrupted: true);
        return true;
    }

    private async Task RunGenerationAsync(Generation g)
    {
        var token = g.Cancellation.Token;
        try
        {
            List<ChatMessage> messages;
            lock (_sync) messages = _history.ToMessages();
            if (g.SpeculatedOn is { } words)
            {
                messages.Add(new ChatMessage(ChatRole.User, words.Length > _options.MaxPromptCharacters ? words[.._options.MaxPromptCharacters] : words));
            }

            for (var round = 0; round < _options.MaxToolRounds && !token.IsCancellationRequested; round++)
            {
                var calls = await StreamAsync(g, messages, token);
                if (calls is not null && !g.Kept.Task.IsCompleted)
                {
                    // Tools act on the world (a booking, a hand-off): a speculation waits to be kept before it runs them.
                    await g.Kept.Task.WaitAsync(token);
                }

                if (calls is null || !await _tools.RunAsync(g, calls, messages))
                {
                    break;
                }
            }

            // A tool that ended the call has already closed the answer; otherwise close it, never in silence.
            if (!g.Ended)
            {
                if (g.Produced == 0)
                {
                    await EmitAsync(g, _options.FallbackText, last: false);
                }

                await EmitAsync(g, string.Empty, last: true);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested || _lifetime.IsCancellationRequested)
        {
            return;
        }
        catch (Exception e) when (!token.IsCancellationRequested)
        {
            LogModelFailed(e, _call.CallId);
            VoiceTelemetry.ProviderFailed(VoiceTelemetry.Providers.Llm);
            g.Activity?.SetStatus(ActivityStatusCode.Error, e.GetType().Name);
            lock (_sync) _record = _record with { LastError = $"model: {e.GetType().Name}: {e.Message}" };
            try
            {
                await EmitAsync(g, g.Produced == 0 ? _options.ApologyText : " " + _options.ApologyText, last: true);
            }
            catch (Exception sendFailure) when (sendFailure is OperationCanceledException or IOException or System.Net.WebSockets.WebSocketException)
            {
                return;
            }
        }

        if (!g.Kept.Task.IsCompleted)
        {
            // A speculation that finished early stays held until the final words keep or cancel it.
            try
            {
                await g.Kept.Task.WaitAsync(token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        bool mine;
        lock (_sync)
        {
            mine = _current == g;
            if (mine)
            {
                _current = null;
            }
        }

        if (mine)
        {
            FinishTurn(g, g.Spoken.ToString(), interrupted: false);
        }
    }

    /// <summary>
    /// Streams one model call, speaking its text; returns the tool calls it asked for, or null for none. While the
    /// caller has heard nothing of this turn, the model must start answering within
    /// <see cref="ConversationOptions.FirstTokenTimeout"/>: a model that hangs would otherwise leave the line silent
    /// for the whole HTTP timeout. Past it the call is abandoned as failed (<see cref="TimeoutException"/>), and the
    /// caller hears the apology.
    /// </summary>
    private async Task<List<FunctionCallContent>?> StreamAsync(Generation g, List<ChatMessage> messages, CancellationToken token)
    {
        var timeout = g.Produced == 0 ? _options.FirstTokenTimeout : Timeout.InfiniteTimeSpan;
        using var deadline = new CancellationTokenSource(timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(token, deadline.Token);
        try
        {
            return await StreamAsync(g, messages, deadline, linked.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !token.IsCancellationRequested)
        {
            throw new TimeoutException($"The model sent nothing within Conversation:FirstTokenTimeout ({timeout}).");
        }
    }

    private async Task<List<FunctionCallContent>?> StreamAsync(Generation g, List<ChatMessage> messages, CancellationTokenSource deadline, CancellationToken token)
    {
        List<FunctionCallContent>? calls = null;
        var answering = false;
        // Disposing the enumerator closes the provider's stream; cancellation makes MoveNextAsync stop at once.
        await using var stream = _chat.GetStreamingResponseAsync(messages, _chatOptions, token).GetAsyncEnumerator(token);
        while (await stream.MoveNextAsync())
        {
            if (!answering && stream.Current.Contents.Count > 0)
            {
                // Once, not per token: the model has started, and from here on only the request's own timeout applies.
                answering = true;
                deadline.CancelAfter(Timeout.InfiniteTimeSpan);
            }

            // Indexed, not foreach: IList's enumerator would be one more allocation per token.
            var contents = stream.Current.Contents;
            for (var i = 0; i < contents.Count; i++)
            {
                switch (contents[i])
                {
                    case TextContent { Text.Length: > 0 } text:
                        var piece = text.Text;
                        if (g.SpaceBeforeNext)
                        {
                            g.SpaceBeforeNext = false;
                            piece = piece.StartsWith(' ') ? piece : " " + piece;
                        }

                        if (!await EmitAsync(g, piece, last: false))
                        {
                            return null;
                        }

                        break;
                    case FunctionCallContent call:
                        (calls ??= []).Add(call);
                        break;
                    case UsageContent usage:
                        lock (_sync)
                        {
                            _record = _record with
                            {
                                TokensIn = _record.TokensIn + (usage.Details.InputTokenCount ?? 0),
                                TokensOut = _record.TokensOut + (usage.Details.OutputTokenCount ?? 0),
                            };
                        }

                        break;
                }
            }
        }

        return calls;
    }

    /// <summary>Sends a piece of <paramref name="g"/>'s answer if it is still the current generation; false once it is not.</summary>
    internal async ValueTask<bool> EmitAsync(Generation g, string text, bool last)
    {
        await _emit.WaitAsync(CancellationToken.None);
        try
        {
            if (Volatile.Read(ref _generationId) != g.Id)
            {
                return false;
            }

            if (text.Length > 0)
            {
                g.Produced++;
            }

            if (g.Held is { } held)
            {
                held.Add((text, last));
                return true;
            }

            await SendLockedAsync(g, text, last);
            return true;
        }
        finally
        {
            _emit.Release();
        }
    }

    /// <summary>Sends a piece of <paramref name="g"/>'s answer; the caller holds the emit lock and has checked the generation is current.</summary>
    private async ValueTask SendLockedAsync(Generation g, string text, bool last)
    {
        await _output.SayAsync(text, last, _lifetime.Token);
        if (text.Length > 0)
        {
            if (g.Tokens++ == 0)
            {
                // Once per turn, never per token: the turn path stays free of telemetry allocations.
                g.FirstTokenMs = _time.GetElapsedTime(g.PromptTimestamp).TotalMilliseconds;
                VoiceTelemetry.FirstToken.Record(g.FirstTokenMs.Value);
                g.Activity?.AddEvent(new ActivityEvent("first_token"));
            }

            g.Spoken.Append(text);
            g.Stream?.Append(text); // after the send: gathering for events never holds a token back
        }

        if (last)
        {
            g.Stream?.Flush();
            g.Activity?.AddEvent(new ActivityEvent("last_token"));
        }
    }

    /// <summary>Sends a non-model action (language, end) under the emit lock, for the current generation only.</summary>
    internal async ValueTask<bool> SendAsync(Generation? g, Func<ICallOutput, CancellationToken, ValueTask> send)
    {
        await _emit.WaitAsync(CancellationToken.None);
        try
        {
            if (g is not null && Volatile.Read(ref _generationId) != g.Id)
            {
                return false;
            }

            await send(_output, _lifetime.Token);
            return true;
        }
        finally
        {
            _emit.Release();
        }
    }

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
        StopSpeculating();
        await CancelGenerationAsync(heardText: null);
        await _lifetime.CancelAsync();
        _lifetime.Dispose();
        StopCallActivity();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {CallId}: Twilio reported an error: {Description}")]
    private partial void LogTransportError(string callId, string description);

    [LoggerMessage(Level = LogLevel.Error, Message = "Call {CallId}: the model failed mid-turn; the caller hears an apology")]
    private partial void LogModelFailed(Exception e, string callId);
}
