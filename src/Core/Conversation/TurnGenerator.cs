using System.Diagnostics;
using AgentOS.Voice.Calls;
using AgentOS.Voice.Events;
using AgentOS.Voice.Hosting;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace AgentOS.Voice.Conversation;

/// <summary>
/// The agent's answers, at most one in flight: starts one on its own task, streams the model's text out through the
/// <see cref="CallOutputGate"/>, runs the tools it asks for, and cancels it down to the model's stream when the caller
/// interrupts, recording only what the caller heard. With preemptive generation it also starts answers on the caller's
/// unfinished words (<c>TurnGenerator.Preemptive.cs</c>).
/// </summary>
internal sealed partial class TurnGenerator(
    IChatClient chat, ChatOptions chatOptions, ConversationOptions options, TimeProvider time, CallOutputGate gate,
    CallLog log, ConversationToolRunner tools, CallEvents? events, ActivityContext callSpan, bool preemptive,
    string callId, ILogger logger)
{
    private readonly ILogger _logger = logger;
    private readonly Lock _sync = new();
    private Generation? _current;

    /// <summary>Completes when no answer is in flight.</summary>
    public Task Idle
    {
        get { lock (_sync) return _current?.Task ?? Task.CompletedTask; }
    }

    /// <summary>Starts the answer to the history; with <paramref name="speculatedOn"/>, a held answer to those unfinished words.</summary>
    public void Start(string? speculatedOn = null)
    {
        var g = new Generation(time.GetTimestamp());
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
        g.Activity = VoiceTelemetry.Source.StartActivity("turn", ActivityKind.Internal, callSpan);
        lock (_sync)
        {
            g.Id = gate.Advance();
            _current = g;
            g.Stream = events?.Answer(g.Id);
            g.Task = Task.Run(() => RunAsync(g));
        }

        Activity.Current = previous;
    }

    /// <summary>Stops the answer in flight, if any, and records what the caller heard of it. False when none was running.</summary>
    public async Task<bool> CancelAsync(string? heardText)
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
            gate.Advance();
        }

        g.Cancellation.Cancel();
        await gate.DrainAsync();
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
            log.AddTurn(TurnRole.Tool, text, exchange);
        }

        Finish(g, heardText ?? g.Spoken.ToString(), interrupted: true);
        return true;
    }

    private async Task RunAsync(Generation g)
    {
        var token = g.Cancellation.Token;
        try
        {
            var messages = log.ToMessages();
            if (g.SpeculatedOn is { } words)
            {
                messages.Add(new ChatMessage(ChatRole.User, words.Length > options.MaxPromptCharacters ? words[..options.MaxPromptCharacters] : words));
            }

            for (var round = 0; round < options.MaxToolRounds && !token.IsCancellationRequested; round++)
            {
                var calls = await StreamAsync(g, messages, token);
                if (calls is not null && !g.Kept.Task.IsCompleted)
                {
                    // Tools act on the world (a booking, a hand-off): a speculation waits to be kept before it runs them.
                    await g.Kept.Task.WaitAsync(token);
                }

                if (calls is null || !await tools.RunAsync(g, calls, messages))
                {
                    break;
                }
            }

            // A tool that ended the call has already closed the answer; otherwise close it, never in silence.
            if (!g.Ended)
            {
                if (g.Produced == 0)
                {
                    await gate.EmitAsync(g, options.FallbackText, last: false);
                }

                await gate.EmitAsync(g, string.Empty, last: true);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested || gate.IsClosed)
        {
            return;
        }
        catch (Exception e) when (!token.IsCancellationRequested)
        {
            LogModelFailed(e, callId);
            VoiceTelemetry.ProviderFailed(VoiceTelemetry.Providers.Llm);
            g.Activity?.SetStatus(ActivityStatusCode.Error, e.GetType().Name);
            log.SetLastError($"model: {e.GetType().Name}: {e.Message}");
            try
            {
                await gate.EmitAsync(g, g.Produced == 0 ? options.ApologyText : " " + options.ApologyText, last: true);
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
            Finish(g, g.Spoken.ToString(), interrupted: false);
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
        var timeout = g.Produced == 0 ? options.FirstTokenTimeout : Timeout.InfiniteTimeSpan;
        using var deadline = new CancellationTokenSource(timeout, time);
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
        await using var stream = chat.GetStreamingResponseAsync(messages, chatOptions, token).GetAsyncEnumerator(token);
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

                        if (!await gate.EmitAsync(g, piece, last: false))
                        {
                            return null;
                        }

                        break;
                    case FunctionCallContent call:
                        (calls ??= []).Add(call);
                        break;
                    case UsageContent usage:
                        log.AddUsage(usage.Details);
                        break;
                }
            }
        }

        return calls;
    }

    private void Finish(Generation g, string heard, bool interrupted)
    {
        log.AddAnswer(g, heard, interrupted);
        if (g.Activity is { } span)
        {
            span.SetTag("agentos.turn.tokens", g.Tokens);
            span.SetTag("agentos.turn.interrupted", interrupted);
            span.Stop();
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Call {CallId}: the model failed mid-turn; the caller hears an apology")]
    private partial void LogModelFailed(Exception e, string callId);
}
