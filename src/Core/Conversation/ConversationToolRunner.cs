using AgentOS.Voice.Llm;
using AgentOS.Voice.Calls;
using Microsoft.Extensions.AI;

namespace AgentOS.Voice.Conversation;

/// <summary>
/// Runs the tools the model asked for within one generation. Side effects happen once per call: a repeated call with
/// the same normalized arguments (e.g. after the caller interrupted and repeated the turn) gets the first result back.
/// </summary>
internal sealed class ConversationToolRunner(ConversationSession session)
{
    private readonly Dictionary<string, string> _done = new(StringComparer.Ordinal);

    /// <summary>Runs <paramref name="calls"/> and appends them with their results to <paramref name="messages"/>; true when the model should speak again.</summary>
    public async Task<bool> RunAsync(ConversationSession.Generation g, List<FunctionCallContent> calls, List<ChatMessage> messages)
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

            if (result is null)
            {
                var (outcome, happened) = await RunOneAsync(g, call);
                result = outcome;
                if (happened)
                {
                    lock (_done) _done[key] = result;
                }
            }

            var exchange = new ToolExchange(call.CallId, call.Name, call.Arguments, result);
            session.AddTurn(TurnRole.Tool, $"{call.Name} → {result}", exchange);
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

    private async Task<(string Result, bool Happened)> RunOneAsync(ConversationSession.Generation g, FunctionCallContent call)
    {
        switch (call.Name)
        {
            case ConversationTools.HandoffToHuman:
                if (!session.CanHandOff)
                {
                    return ("No person is available to take the call. Tell the caller and keep helping.", false);
                }

                var reason = ConversationTools.Argument(call, LlmToolNames.ReasonArgument) ?? "caller asked for a person";
                var data = session.HandoffJson(reason);
                var handedOff = await session.EndFromGenerationAsync(g, g.Tokens == 0 ? session.Options.HandoffText : null, CallEndReasons.HandedOff, data);
                return handedOff ? ("The call was handed to a person.", true) : ("Not done: the turn was interrupted.", false);

            case ConversationTools.EndCall:
                var goodbye = ConversationTools.Argument(call, LlmToolNames.GoodbyeArgument);
                // With no goodbye argument, an answer that already said something has said its goodbye.
                var farewell = !string.IsNullOrWhiteSpace(goodbye) ? Spaced(g, goodbye) : g.Tokens == 0 ? session.Options.GoodbyeText : null;
                var ended = await session.EndFromGenerationAsync(g, farewell, CallEndReasons.AgentEnded, handoffData: null);
                return ended ? ("The call has ended.", true) : ("Not done: the turn was interrupted.", false);

            case ConversationTools.SwitchLanguage:
                var language = ConversationTools.Argument(call, LlmToolNames.LanguageArgument)?.Trim();
                if (!ConversationTools.IsLanguageTag(language) || !session.Speaks(language!))
                {
                    return ($"Language '{language}' is not available on this call; keep the current language.", false);
                }

                var switched = await session.SendAsync(g, (o, ct) => o.SwitchLanguageAsync(language, language, ct));
                return switched ? ($"Speech and transcription are now in {language}. Continue in that language.", true) : ("Not done: the turn was interrupted.", false);

            default:
                return ($"There is no tool named '{call.Name}'.", false);
        }
    }

    // The goodbye follows whatever the model already said in this answer.
    private static string Spaced(ConversationSession.Generation g, string text) => g.Tokens > 0 && !text.StartsWith(' ') ? " " + text : text;
}
