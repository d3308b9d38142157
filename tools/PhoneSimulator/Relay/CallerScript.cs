namespace AgentOS.Voice.Simulator.Relay;

/// <summary>One thing the simulated caller does on a ConversationRelay session.</summary>
public abstract record CallerStep;

/// <summary>
/// Says <paramref name="Text"/> and waits until the agent's answer ends (text with last:true, or end). With partial
/// prompts on, the growing words are sent as the caller speaks and <paramref name="Heard"/>, when set, is the final
/// transcript instead (speech-to-text misheard a word).
/// </summary>
public sealed record SayStep(string Text, string? Heard = null) : CallerStep;

/// <summary>Says <paramref name="Text"/> and interrupts after a number of answer tokens or after a time, whichever is set.</summary>
public sealed record SayAndInterruptStep(string Text, int? AfterTokens, TimeSpan? After) : CallerStep;

/// <summary>Presses a key and waits until the agent's reply to it ends (or the session does).</summary>
public sealed record PressKeyStep(char Digit) : CallerStep;

/// <summary>Stays silent for a real-time interval (the agent talks to a live socket, so this is not simulated time).</summary>
public sealed record WaitStep(TimeSpan Duration) : CallerStep;

public sealed record HangUpStep : CallerStep;

/// <summary>Hands the caller to code, e.g. an interactive console, until it returns.</summary>
public sealed record CustomStep(Func<ConversationRelayCaller, CancellationToken, Task> Run) : CallerStep;

/// <summary>
/// What the caller does once the session is set up, in order. When the steps run out and the agent has not ended the
/// session, the caller hangs up, as a person would.
/// </summary>
public sealed class CallerScript
{
    private readonly List<CallerStep> _steps = [];

    public IReadOnlyList<CallerStep> Steps => _steps;

    /// <summary>
    /// After an interrupt, how long the answer must stay quiet (when the agent does not close it with last:true) before
    /// the next step runs, so late tokens count as stale on the interrupted answer, not as the next answer.
    /// </summary>
    public TimeSpan InterruptSettleTime { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long the caller stays on the line after the last step, waiting for the agent to end the session.</summary>
    public TimeSpan EndGrace { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// With partial prompts on (the TwiML's <c>partialPrompts="true"</c>): how fast the caller speaks. Partial prompts
    /// go out every <see cref="PartialInterval"/> holding the words so far, at this rate.
    /// </summary>
    public int WordsPerMinute { get; init; } = 150;

    public TimeSpan PartialInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>With partial prompts on: how long after the last word speech-to-text decides the caller has finished and sends the final prompt.</summary>
    public TimeSpan EndpointingDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    public CallerScript Say(string text) => Add(new SayStep(text));

    /// <summary>Says <paramref name="text"/>, but the final transcript is <paramref name="heard"/> (partials carry <paramref name="text"/>).</summary>
    public CallerScript SayMisheard(string text, string heard) => Add(new SayStep(text, heard));

    public CallerScript SayAndInterruptAfterTokens(string text, int tokens)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tokens);
        return Add(new SayAndInterruptStep(text, tokens, null));
    }

    public CallerScript SayAndInterruptAfter(string text, TimeSpan after) => Add(new SayAndInterruptStep(text, null, after));

    public CallerScript PressKey(char digit)
    {
        if (!"0123456789*#".Contains(digit))
        {
            throw new ArgumentOutOfRangeException(nameof(digit), digit, "A DTMF digit is one of 0-9, * or #.");
        }

        return Add(new PressKeyStep(digit));
    }

    public CallerScript Wait(TimeSpan duration) => Add(new WaitStep(duration));

    public CallerScript HangUp() => Add(new HangUpStep());

    public CallerScript Custom(Func<ConversationRelayCaller, CancellationToken, Task> run) => Add(new CustomStep(run));

    public CallerScript Add(CallerStep step)
    {
        _steps.Add(step);
        return this;
    }
}
