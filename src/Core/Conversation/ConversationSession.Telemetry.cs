using System.Diagnostics;
using System.Text;
using AgentOS.Voice.Hosting;
using Microsoft.Extensions.AI;

namespace AgentOS.Voice.Conversation;

/// <summary>The call's span and the state of one generation (which carries its turn's span).</summary>
public sealed partial class ConversationSession
{
    private void StartCallActivity(CallStart call)
    {
        // Current only while it is created: the session's work is parented explicitly, never by where it was made.
        var previous = Activity.Current;
        _activity = VoiceTelemetry.Source.StartActivity("call", ActivityKind.Server, VoiceTelemetry.ParentFrom(call.TraceParent));
        Activity.Current = previous;
        if (_activity is { IsAllDataRequested: true })
        {
            _activity.SetTag(VoiceTelemetry.CallIdTag, call.CallId);
            _activity.SetTag(VoiceTelemetry.AgentIdTag, _agent.Id);
            _activity.SetTag("agentos.call.direction", call.Direction);
            _activity.SetTag("twilio.call_sid", call.CallSid);
        }
    }

    private void StopCallActivity() => Interlocked.Exchange(ref _activity, null)?.Stop();

    /// <summary>One model answer in flight.</summary>
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
        public Events.AnswerStream? Stream;

        /// <summary>Set after a tool ran mid-answer: the model's next text needs a space from what was already said.</summary>
        public bool SpaceBeforeNext;

        /// <summary>The agent tool call being waited for, if any; taken once, by its answer or by an interrupt.</summary>
        public FunctionCallContent? PendingTool;
        public Task Task = Task.CompletedTask;
    }
}
