namespace AgentOS.Voice.Simulator.Relay;

/// <summary>
/// A caller's script played over a <see cref="ConversationRelayCaller"/>: its steps in order, spoken at the script's
/// pace when the TwiML asked for partial prompts. Only the caller's public moves and its current turn are used.
/// </summary>
public static class CallerScripts
{
    /// <summary>
    /// Runs the script. When it runs out, the caller stays on the line for <see cref="CallerScript.EndGrace"/> (an agent
    /// that says "transferring you" sends <c>end</c> just after) and then hangs up.
    /// </summary>
    public static async Task RunAsync(this ConversationRelayCaller caller, CallerScript script, CancellationToken cancellationToken = default)
    {
        foreach (var step in script.Steps)
        {
            if (caller.SessionOver.IsCompleted)
            {
                return;
            }

            await RunStepAsync(caller, step, script, cancellationToken);
        }

        await Task.WhenAny(caller.SessionOver, Task.Delay(script.EndGrace, cancellationToken));
        cancellationToken.ThrowIfCancellationRequested();
        await caller.HangUpAsync(cancellationToken);
    }

    private static async Task RunStepAsync(ConversationRelayCaller caller, CallerStep step, CallerScript script, CancellationToken cancellationToken)
    {
        switch (step)
        {
            case SayStep say when caller.PartialPrompts:
                await SpeakAsync(caller, say.Text, say.Heard, script, cancellationToken);
                break;
            case SayStep say:
                await caller.SayAsync(say.Heard ?? say.Text, cancellationToken);
                break;
            case SayAndInterruptStep sayAndInterrupt:
                await caller.SendPromptAsync(sayAndInterrupt.Text, cancellationToken);
                var turn = caller.CurrentTurn!;
                var trigger = sayAndInterrupt.AfterTokens is { } n
                    ? turn.WaitForTokensAsync(n)
                    : Task.Delay(sayAndInterrupt.After ?? TimeSpan.Zero, cancellationToken);
                await Task.WhenAny(trigger, turn.Done.Task, caller.SessionOver).WaitAsync(cancellationToken);
                if (await caller.InterruptAsync(cancellationToken))
                {
                    await SettleAsync(caller, turn, script.InterruptSettleTime, cancellationToken);
                }

                break;
            case PressKeyStep key:
                await caller.PressKeyAsync(key.Digit, cancellationToken);
                await caller.WaitForAnswerAsync(cancellationToken);
                break;
            case WaitStep wait:
                await Task.WhenAny(Task.Delay(wait.Duration, cancellationToken), caller.SessionOver);
                cancellationToken.ThrowIfCancellationRequested();
                break;
            case HangUpStep:
                await caller.HangUpAsync(cancellationToken);
                break;
            case CustomStep custom:
                await custom.Run(caller, cancellationToken);
                break;
            default:
                throw new NotSupportedException($"Unknown caller step {step.GetType().Name}.");
        }
    }

    /// <summary>
    /// Waits for the interrupted answer to stop (its last:true, or a quiet spell), so that its late tokens are counted
    /// as stale on it rather than taken for the answer to the caller's next prompt.
    /// </summary>
    private static async Task SettleAsync(ConversationRelayCaller caller, TurnTracker turn, TimeSpan quietTime, CancellationToken cancellationToken)
    {
        while (true)
        {
            var staleSoFar = turn.Record.StaleTokens;
            var quiet = Task.Delay(quietTime, cancellationToken);
            var first = await Task.WhenAny(turn.Done.Task, caller.SessionOver, quiet);
            cancellationToken.ThrowIfCancellationRequested();
            if (first != quiet || turn.Record.StaleTokens == staleSoFar)
            {
                return;
            }
        }
    }

    /// <summary>
    /// The words of <see cref="SpeakAsync"/> before its final prompt: partials every
    /// <see cref="CallerScript.PartialInterval"/> at <see cref="CallerScript.WordsPerMinute"/>, then the
    /// <see cref="CallerScript.EndpointingDelay"/>. Returns when the last partial (all the words) went out, on the
    /// caller's clock, for the final's <see cref="SendPromptAsync(string, TimeSpan?, CancellationToken)"/>.
    /// </summary>
    public static async Task<TimeSpan> SpeakPartialsAsync(this ConversationRelayCaller caller, string text, CallerScript pace, CancellationToken cancellationToken = default)
    {
        // About six characters a word, its space included.
        var charactersPerInterval = Math.Max(1, (int)Math.Round(pace.WordsPerMinute * 6 / 60.0 * pace.PartialInterval.TotalSeconds));
        TimeSpan lastWordAt;
        for (var length = Math.Min(charactersPerInterval, text.Length); ; length = Math.Min(length + charactersPerInterval, text.Length))
        {
            lastWordAt = await caller.SendPartialAsync(text[..length], cancellationToken);
            if (length == text.Length)
            {
                break;
            }

            await Task.Delay(pace.PartialInterval, cancellationToken);
        }

        await Task.Delay(pace.EndpointingDelay, cancellationToken);
        return lastWordAt;
    }

    /// <summary>
    /// Speaks <paramref name="text"/> as a talking caller does with partial prompts on: the words so far every
    /// <see cref="CallerScript.PartialInterval"/> at <see cref="CallerScript.WordsPerMinute"/> (the last partial holds
    /// all of them), then, after <see cref="CallerScript.EndpointingDelay"/>, the final prompt with <paramref name="heard"/>
    /// (or the same words). Real time, as the agent listens on a live socket.
    /// </summary>
    private static async Task<CallerTurn> SpeakAsync(ConversationRelayCaller caller, string text, string? heard, CallerScript pace, CancellationToken cancellationToken = default)
    {
        var lastWordAt = await caller.SpeakPartialsAsync(text, pace, cancellationToken);
        await caller.SendPromptAsync(heard ?? text, lastWordAt, cancellationToken);
        var turn = caller.CurrentTurn!;
        await turn.Done.Task.WaitAsync(cancellationToken);
        return turn.Record;
    }
}
