using AgentOS.Voice.Simulator.Calls;
using AgentOS.Voice.Simulator.Relay;

namespace AgentOS.Voice.Simulator.Cli;

/// <summary>Prints calls as they progress, one line per event, and a ConversationRelay transcript when a session ends.</summary>
internal static class ConsoleReporter
{
    private static readonly object Gate = new();

    public static void Attach(PhoneSimulator simulator) => simulator.CallEventLogged += Print;

    public static void Print(SimulatedCall call, CallEvent entry)
    {
        lock (Gate)
        {
            Console.WriteLine($"{entry.At:HH:mm:ss.fff} {call.Sid[..10]}… {call.From} → {call.To}  {entry.Describe()}");
            if (entry is RelaySessionEnded { Transcript: { } transcript })
            {
                PrintTranscript(transcript);
            }
        }
    }

    private static void PrintTranscript(CallerResult transcript)
    {
        foreach (var turn in transcript.Turns)
        {
            Console.WriteLine($"    caller: {turn.Prompt}");
            var timing = turn.TimeToFirstToken is { } first ? $" (first token {first.TotalMilliseconds:0} ms, {turn.Tokens} tokens)" : "";
            Console.WriteLine($"    agent:  {turn.Text}{(turn.Interrupted ? " [interrupted]" : "")}{timing}");
            if (turn.StaleTokens > 0)
            {
                Console.WriteLine($"            {turn.StaleTokens} stale tokens, last {turn.StaleLateness?.TotalMilliseconds:0} ms after the interrupt");
            }
        }
    }
}
