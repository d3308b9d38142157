using AgentOS.Voice.Calls;
using Microsoft.Extensions.AI;

namespace AgentOS.Voice.Conversation;

/// <summary>One turn as the session remembers it. Agent turns hold what the caller heard.</summary>
public sealed record HistoryTurn(int Index, TurnRole Role, string Text, bool Interrupted = false, ToolExchange? Tool = null);

/// <summary>A tool the model called and what it got back; kept so the model sees it on later turns.</summary>
public sealed record ToolExchange(string CallId, string Name, IDictionary<string, object?>? Arguments, string Result);

/// <summary>
/// The call's recent turns. Bounded: older turns are dropped from memory (they are already persisted), and what is sent
/// to the model is cut to a character budget, newest turns first. Not thread-safe; the session locks around it.
/// </summary>
internal sealed class ConversationHistory(string systemPrompt, ConversationOptions options)
{
    private readonly List<HistoryTurn> _turns = [];

    public IReadOnlyList<HistoryTurn> Turns => _turns;

    public void Add(HistoryTurn turn)
    {
        _turns.Add(turn);
        if (_turns.Count > options.MaxHistoryTurns)
        {
            _turns.RemoveRange(0, _turns.Count - options.MaxHistoryTurns);
        }
    }

    /// <summary>Rewrites the latest agent turn to what the caller heard; null when there is none in memory.</summary>
    public HistoryTurn? MarkLastAgentTurnHeard(string heardText)
    {
        for (var i = _turns.Count - 1; i >= 0; i--)
        {
            if (_turns[i].Role == TurnRole.Agent)
            {
                _turns[i] = _turns[i] with { Text = heardText, Interrupted = true };
                return _turns[i];
            }
        }

        return null;
    }

    public List<ChatMessage> ToMessages()
    {
        var budget = options.MaxHistoryCharacters;
        var first = _turns.Count;
        while (first > 0 && budget - Size(_turns[first - 1]) >= 0)
        {
            budget -= Size(_turns[--first]);
        }

        // Always send the newest turn (the caller's words), even if it alone is over the budget.
        first = Math.Min(first, Math.Max(0, _turns.Count - 1));
        var messages = new List<ChatMessage>(_turns.Count - first + 2) { new(ChatRole.System, systemPrompt) };
        for (var i = first; i < _turns.Count; i++)
        {
            var turn = _turns[i];
            switch (turn.Role)
            {
                case TurnRole.Caller:
                    messages.Add(new ChatMessage(ChatRole.User, ForModel(turn.Text)));
                    break;
                case TurnRole.Agent when turn.Text.Length > 0:
                    messages.Add(new ChatMessage(ChatRole.Assistant, turn.Text));
                    break;
                case TurnRole.Tool when turn.Tool is { } tool:
                    messages.Add(new ChatMessage(ChatRole.Assistant, [new FunctionCallContent(tool.CallId, tool.Name, tool.Arguments)]));
                    messages.Add(new ChatMessage(ChatRole.Tool, [new FunctionResultContent(tool.CallId, tool.Result)]));
                    break;
            }
        }

        return messages;
    }

    private string ForModel(string said) =>
        said.Length <= options.MaxPromptCharacters
            ? said
            : said[..(char.IsHighSurrogate(said[options.MaxPromptCharacters - 1]) ? options.MaxPromptCharacters - 1 : options.MaxPromptCharacters)] + " …";

    private static int Size(HistoryTurn turn) => turn.Text.Length + (turn.Tool?.Result.Length ?? 0);
}
