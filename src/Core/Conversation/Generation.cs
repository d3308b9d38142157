using System.Diagnostics;
using System.Text;
using AgentOS.Voice.Events;
using Microsoft.Extensions.AI;

namespace AgentOS.Voice.Conversation;

/// <summary>The state of one model answer in flight, shared by the answer's task, the output gate and the tool runner.</summary>
internal sealed class Generation(long promptTimestamp)
{
    public long Id;

    /// <summary>When the prompt it answers arrived; a speculation's is moved to the final prompt when it is kept.</summary>
    public long PromptTimestamp = promptTimestamp;

    /// <summary>
    /// A speculation's answer, held unsent: what it was started on and its pieces so far. Null for a normal answer
    /// and once a speculation is kept (its pieces are then sent as they come).
    /// </summary>
    public string? SpeculatedOn;
    public List<(string Text, bool Last)>? Held;

    /// <summary>Completed when the answer may act (run tools, end): at once for a normal answer, when kept for a speculation.</summary>
    public readonly TaskCompletionSource Kept = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Never disposed: it has no timer, and a late Cancel() from an interrupt must not meet a disposed source.
    public readonly CancellationTokenSource Cancellation = new();
    public readonly StringBuilder Spoken = new();
    public int Tokens;

    /// <summary>Pieces of text the answer produced, held ones included (<see cref="Tokens"/> counts those sent).</summary>
    public int Produced;
    public double? FirstTokenMs;
    public bool Ended;

    /// <summary>The turn's span (prompt to last token), null when nobody listens.</summary>
    public Activity? Activity;

    /// <summary>The answer's streaming events, null when events are off.</summary>
    public AnswerStream? Stream;

    /// <summary>Set after a tool ran mid-answer: the model's next text needs a space from what was already said.</summary>
    public bool SpaceBeforeNext;

    /// <summary>The agent tool call being waited for, if any; taken once, by its answer or by an interrupt.</summary>
    public FunctionCallContent? PendingTool;
    public Task Task = Task.CompletedTask;
}
