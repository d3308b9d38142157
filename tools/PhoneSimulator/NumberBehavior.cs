using AgentOS.Voice.Simulator.Relay;

namespace AgentOS.Voice.Simulator;

public enum NumberKind
{
    Person,
    Voicemail,
    Busy,
    NoAnswer,
    Failed,
}

/// <summary>How a dialled number behaves when the simulator calls it.</summary>
public sealed record NumberBehavior
{
    private NumberBehavior(NumberKind kind) => Kind = kind;

    public NumberKind Kind { get; }

    /// <summary>For a person: what they do on a ConversationRelay session (null = stay silent until the agent ends).</summary>
    public CallerScript? Script { get; private init; }

    /// <summary>For voicemail: how long the greeting plays before the beep, in simulated seconds.</summary>
    public double GreetingSeconds { get; private init; }

    /// <summary>How long the caller speaks when a &lt;Record&gt; runs, in simulated seconds.</summary>
    public double RecordingSeconds { get; private init; } = 3;

    public static NumberBehavior Person(CallerScript? script = null, double recordingSeconds = 3) =>
        new(NumberKind.Person) { Script = script, RecordingSeconds = recordingSeconds };

    public static NumberBehavior Voicemail(double greetingSeconds) =>
        new(NumberKind.Voicemail) { GreetingSeconds = greetingSeconds };

    public static NumberBehavior Busy { get; } = new(NumberKind.Busy);
    public static NumberBehavior NoAnswer { get; } = new(NumberKind.NoAnswer);
    public static NumberBehavior Failed { get; } = new(NumberKind.Failed);
}
