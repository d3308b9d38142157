namespace AgentOS.Voice.Simulator.Relay;

/// <summary>A message on the socket; <see cref="At"/> is Stopwatch time since the socket opened.</summary>
public sealed record CallerMessage(TimeSpan At, bool Sent, string Type, string Json);

/// <summary>One prompt (or key press) of the caller and the agent's answer to it.</summary>
public sealed class CallerTurn
{
    private readonly System.Text.StringBuilder _text = new();

    internal CallerTurn(string prompt, TimeSpan promptSentAt)
    {
        Prompt = prompt;
        PromptSentAt = promptSentAt;
    }

    internal void PromptOnWire(TimeSpan at) => PromptSentAt = at;

    /// <summary>What the caller said, or "(pressed N)" for a key.</summary>
    public string Prompt { get; }

    /// <summary>The key pressed, when this turn is the answer to a key rather than to words.</summary>
    public char? Key { get; internal init; }
    /// <summary>When the prompt was handed to the socket; until then, when the caller started to send it.</summary>
    public TimeSpan PromptSentAt { get; private set; }

    /// <summary>With partial prompts: when the last partial (all the words) went out, i.e. the caller's last word; null otherwise.</summary>
    public TimeSpan? LastWordAt { get; internal init; }
    public TimeSpan? FirstTokenAt { get; private set; }
    public TimeSpan? LastTokenAt { get; private set; }
    /// <summary>Non-empty tokens received before any interrupt.</summary>
    public int Tokens { get; private set; }
    public string Text { get { lock (_text) { return _text.ToString(); } } }
    /// <summary>The agent marked the answer finished (last:true) or ended the session.</summary>
    public bool Completed { get; internal set; }
    public bool Interrupted { get; private set; }
    public TimeSpan? InterruptSentAt { get; private set; }
    /// <summary>Tokens of this answer that arrived after the caller interrupted it.</summary>
    public int StaleTokens { get; private set; }
    public TimeSpan? LastStaleTokenAt { get; private set; }

    public TimeSpan? TimeToFirstToken => FirstTokenAt - PromptSentAt;
    public TimeSpan? TimeToLastToken => LastTokenAt - PromptSentAt;
    /// <summary>How long after the interrupt the last stale token came.</summary>
    public TimeSpan? StaleLateness => LastStaleTokenAt - InterruptSentAt;

    internal void AddToken(string token, TimeSpan at)
    {
        lock (_text)
        {
            if (Interrupted)
            {
                StaleTokens++;
                LastStaleTokenAt = at;
                return;
            }

            _text.Append(token);
            Tokens++;
            FirstTokenAt ??= at;
            LastTokenAt = at;
        }
    }

    /// <summary>Marks the turn interrupted and returns what the caller had heard so far.</summary>
    internal string Interrupt(TimeSpan at)
    {
        lock (_text)
        {
            Interrupted = true;
            InterruptSentAt = at;
            return _text.ToString();
        }
    }
}

/// <summary>Everything that happened on one ConversationRelay session, seen from the caller.</summary>
public sealed class CallerResult
{
    private readonly List<CallerMessage> _messages = [];
    private readonly List<CallerTurn> _turns = [];
    private readonly List<string> _languages = [];

    public IReadOnlyList<CallerMessage> Messages { get { lock (_messages) { return _messages.ToArray(); } } }
    public IReadOnlyList<CallerTurn> Turns { get { lock (_turns) { return _turns.ToArray(); } } }
    /// <summary>Raw <c>language</c> messages the agent sent.</summary>
    public IReadOnlyList<string> LanguageMessages { get { lock (_languages) { return _languages.ToArray(); } } }
    /// <summary>The agent sent <c>end</c>.</summary>
    public bool EndedByAgent { get; internal set; }
    /// <summary>The <c>end</c> message's handoffData, as the string it carried.</summary>
    public string? HandoffData { get; internal set; }
    public bool CallerHungUp { get; internal set; }
    /// <summary>The socket closed or broke without an <c>end</c> message and without the caller hanging up.</summary>
    public bool SocketLost { get; internal set; }
    public string? Error { get; internal set; }

    internal void AddMessage(CallerMessage message)
    {
        lock (_messages)
        {
            _messages.Add(message);
        }
    }

    internal void AddTurn(CallerTurn turn)
    {
        lock (_turns)
        {
            _turns.Add(turn);
        }
    }

    internal void AddLanguage(string json)
    {
        lock (_languages)
        {
            _languages.Add(json);
        }
    }
}
