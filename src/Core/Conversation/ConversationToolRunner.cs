using AgentOS.Voice.Agents;
using AgentOS.Voice.Llm;
using AgentOS.Voice.Calls;
using AgentOS.Voice.Hosting;
using Microsoft.Extensions.AI;

namespace AgentOS.Voice.Conversation;

/// <summary>
/// Runs the tools the model asked for within one generation. Side effects happen once per call: a repeated call with
/// the same normalized arguments (e.g. after the caller interrupted and repeated the turn) gets the first result back.
/// A tool that ends the call (end, hand-off) closes the answer and the output itself, then reports the end through
/// <paramref name="ended"/> (reason, hand-off data).
/// </summary>
internal sealed class ConversationToolRunner(
    Agent agent, string callId, ConversationOptions options, TimeProvider time, CallOutputGate gate, CallLog log,
    IAgentToolClient? client, Action<string, string?> ended)
{
    private readonly Dictionary<string, string> _done = new(StringComparer.Ordinal);

    /// <summary>Runs <paramref name="calls"/> and appends them with their results to <paramref name="messages"/>; true when the model should speak again.</summary>
    public async Task<bool> RunAsync(Generation g, List<FunctionCallContent> calls, List<ChatMessage> messages)
    {
        var again = false;
        foreach (var call in calls)
        {
            var key = ConversationTools.IdempotencyKey(call);
            string? result;
            lock (_done)
            {
                _done.TryGetValue(key, out result);
            }

            AgentToolResult? http = null;
            // A child of the turn's span, which is current on the generation's task.
            using var span = VoiceTelemetry.Source.StartActivity("tool");
            span?.SetTag("agentos.tool.name", call.Name);
            span?.SetTag("agentos.tool.repeat", result is not null);
            if (result is null)
            {
                var (outcome, happened) = AgentTool(call.Name) is { } tool && client is { } endpoint
                    ? await RunAgentToolAsync(g, tool, endpoint, call, r => http = r)
                    : await RunOneAsync(g, call);
                result = outcome;
                if (http is { Failed: true })
                {
                    VoiceTelemetry.ProviderFailed(VoiceTelemetry.Providers.AgentTool);
                    span?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, result);
                }

                if (happened)
                {
                    lock (_done) _done[key] = result;
                }
            }

            var exchange = new ToolExchange(call.CallId, call.Name, call.Arguments, result);
            log.AddTurn(TurnRole.Tool, $"{call.Name}({ConversationTools.ArgumentsJson(call)}) → {result}", exchange, http, answerSoFar: g.Stream);
            g.SpaceBeforeNext = g.Tokens > 0;
            messages.Add(new ChatMessage(ChatRole.Assistant, [new FunctionCallContent(call.CallId, call.Name, call.Arguments)]));
            messages.Add(new ChatMessage(ChatRole.Tool, [new FunctionResultContent(call.CallId, result)]));
            if (g.Ended || g.Cancellation.IsCancellationRequested)
            {
                return false;
            }

            again = true;
        }

        return again;
    }

    private async Task<(string Result, bool Happened)> RunOneAsync(Generation g, FunctionCallContent call)
    {
        switch (call.Name)
        {
            case ConversationTools.HandoffToHuman:
                if (string.IsNullOrWhiteSpace(agent.TransferNumber))
                {
                    return ("No person is available to take the call. Tell the caller and keep helping.", false);
                }

                var reason = ConversationTools.Argument(call, LlmToolNames.ReasonArgument) ?? "caller asked for a person";
                var data = HandoffData.LiveAgent(reason, callId, agent.Id);
                var handedOff = await EndFromGenerationAsync(g, g.Tokens == 0 ? options.HandoffText : null, CallEndReasons.HandedOff, data);
                return handedOff ? ("The call was handed to a person.", true) : ("Not done: the turn was interrupted.", false);

            case ConversationTools.EndCall:
                var goodbye = ConversationTools.Argument(call, LlmToolNames.GoodbyeArgument);
                // With no goodbye argument, an answer that already said something has said its goodbye.
                var farewell = !string.IsNullOrWhiteSpace(goodbye) ? Spaced(g, goodbye) : g.Tokens == 0 ? options.GoodbyeText : null;
                var ended = await EndFromGenerationAsync(g, farewell, CallEndReasons.AgentEnded, handoffData: null);
                return ended ? ("The call has ended.", true) : ("Not done: the turn was interrupted.", false);

            case ConversationTools.SwitchLanguage:
                var language = ConversationTools.Argument(call, LlmToolNames.LanguageArgument)?.Trim();
                if (!ConversationTools.IsLanguageTag(language) || !Speaks(language!))
                {
                    return ($"Language '{language}' is not available on this call; keep the current language.", false);
                }

                var switched = await gate.SendAsync(g, (o, ct) => o.SwitchLanguageAsync(language, language, ct));
                return switched ? ($"Speech and transcription are now in {language}. Continue in that language.", true) : ("Not done: the turn was interrupted.", false);

            default:
                return ($"There is no tool named '{call.Name}'.", false);
        }
    }

    /// <summary>
    /// Calls the agent's own endpoint. Past the filler delay the caller hears a short filler; a failure comes back as a
    /// result with a sentence to say. An interruption cancels the wait (the caller's new words are answered at once)
    /// and the cancelling turn marks it in the transcript before the caller's words; the idempotency key lets the agent's system recognise a repeat.
    /// </summary>
    private async Task<(string Result, bool Happened)> RunAgentToolAsync(
        Generation g, AgentTool tool, IAgentToolClient endpoint, FunctionCallContent call, Action<AgentToolResult> answered)
    {
        Volatile.Write(ref g.PendingTool, call);
        var running = endpoint.CallAsync(agent, tool, callId, call, g.Cancellation.Token);
        using var fillerTimer = CancellationTokenSource.CreateLinkedTokenSource(g.Cancellation.Token);
        var filler = Task.Delay(options.ToolFillerDelay, time, fillerTimer.Token);
        try
        {
            if (await Task.WhenAny(running, filler) == filler && !filler.IsCanceled)
            {
                await gate.EmitAsync(g, Spaced(g, options.ToolFillerText), last: false);
            }

            await fillerTimer.CancelAsync();

            var answer = await running;
            answered(answer);
            // A failed call may be tried again by a later turn; a successful one is never repeated.
            return (answer.Result, !answer.Failed);
        }
        finally
        {
            // Whoever takes it records it: this turn when the answer came, or the interrupt before the caller's words.
            Interlocked.Exchange(ref g.PendingTool, null);
        }
    }

    /// <summary>
    /// Ends the call from inside generation <paramref name="g"/>: finishes the answer with <paramref name="say"/> and
    /// last:true, then sends end. False when the generation was cancelled first.
    /// </summary>
    private async Task<bool> EndFromGenerationAsync(Generation g, string? say, string reason, string? handoffData)
    {
        if (!string.IsNullOrEmpty(say) && !await gate.EmitAsync(g, say, last: false))
        {
            return false;
        }

        if (!await gate.EmitAsync(g, string.Empty, last: true) || !await gate.SendAsync(g, (o, ct) => o.EndAsync(handoffData, ct)))
        {
            return false;
        }

        g.Ended = true;
        ended(reason, handoffData);
        return true;
    }

    private AgentTool? AgentTool(string name)
    {
        foreach (var tool in agent.Tools)
        {
            if (tool.Name == name)
            {
                return tool;
            }
        }

        return null;
    }

    /// <summary>The agent's own language or one of its others; with none configured any language is allowed.</summary>
    private bool Speaks(string language) =>
        agent.OtherLanguages.Count == 0 ||
        string.Equals(language, agent.Language, StringComparison.OrdinalIgnoreCase) ||
        agent.OtherLanguages.Any(l => string.Equals(l.Code, language, StringComparison.OrdinalIgnoreCase));

    /// <summary>The transcript line and model history entry of an agent tool call the caller interrupted.</summary>
    public static (string Text, ToolExchange Exchange) Interrupted(FunctionCallContent call) =>
        ($"{call.Name}({ConversationTools.ArgumentsJson(call)}) → (interrupted by the caller before it answered)",
         new ToolExchange(call.CallId, call.Name, call.Arguments, """{"error":"interrupted: the caller spoke before the tool answered"}"""));

    // The goodbye follows whatever the model already said in this answer.
    private static string Spaced(Generation g, string text) => g.Tokens > 0 && !text.StartsWith(' ') ? " " + text : text;
}
