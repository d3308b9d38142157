using AgentOS.Voice.Simulator.Relay;

namespace AgentOS.Voice.Simulator.Cli;

/// <summary>A person at the console on a ConversationRelay session: lines are prompts; /interrupt, /dtmf N, /hangup.</summary>
internal static class InteractiveCaller
{
    public static async Task RunAsync(ConversationRelayCaller caller, CancellationToken cancellationToken)
    {
        // Piped lines are all there at once: each waits for the answer to the one before, as a person would, and the
        // end of the input hangs up only after the last answer was heard. Typed lines do not wait, so /interrupt can.
        var waitForAnswers = Console.IsInputRedirected;
        caller.MessageReceived = Show;
        Console.WriteLine("Type what the caller says. Commands: /interrupt, /dtmf N, /hangup");
        while (!caller.SessionOver.IsCompleted)
        {
            var read = Console.In.ReadLineAsync(cancellationToken).AsTask();
            if (await Task.WhenAny(read, caller.SessionOver) != read)
            {
                Console.WriteLine("(session over)");
                return;
            }

            var line = (await read)?.Trim();
            if (line is null || line == "/hangup")
            {
                await caller.HangUpAsync(cancellationToken);
                return;
            }

            if (line == "/interrupt")
            {
                Console.WriteLine(await caller.InterruptAsync(cancellationToken) ? "(interrupted)" : "(nothing to interrupt)");
            }
            else if (line.StartsWith("/dtmf ", StringComparison.Ordinal) && line.Length == 7 && "0123456789*#".Contains(line[6]))
            {
                await caller.PressKeyAsync(line[6], cancellationToken);
                if (waitForAnswers)
                {
                    await caller.WaitForAnswerAsync(cancellationToken);
                }
            }
            else if (line.StartsWith('/'))
            {
                Console.WriteLine("Commands: /interrupt, /dtmf N (0-9, * or #), /hangup");
            }
            else if (line.Length > 0)
            {
                await caller.SendPromptAsync(line, cancellationToken);
                Console.Write("agent: ");
                if (waitForAnswers)
                {
                    await caller.WaitForAnswerAsync(cancellationToken);
                }
            }
        }
    }

    private static void Show(CallerMessage message)
    {
        var parsed = IncomingMessage.Parse(System.Text.Encoding.UTF8.GetBytes(message.Json));
        switch (message.Type)
        {
            case "text":
                Console.Write(parsed.Token);
                if (parsed.Last)
                {
                    Console.WriteLine();
                }

                break;
            case "end":
                Console.WriteLine($"{Environment.NewLine}(agent ended the session{(parsed.HandoffData is null ? "" : $"; handoffData {parsed.HandoffData}")})");
                break;
            default:
                Console.WriteLine($"{Environment.NewLine}({message.Json})");
                break;
        }
    }
}
