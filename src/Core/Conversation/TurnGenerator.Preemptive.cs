using System.Text;
using AgentOS.Voice.Calls;

namespace AgentOS.Voice.Conversation;

/// <summary>
/// Preemptive generation (agents with <c>PreemptiveGeneration</c>): once the caller's partial words have stayed the
/// same for <see cref="ConversationOptions.PreemptiveStableDelay"/>, the answer is started on them and held. When the
/// final words match (case, punctuation and spacing aside) the held pieces go out at once and the answer streams on;
/// when they differ, or anything else ends the turn, the speculation is cancelled down to the model's stream and
/// nothing of it is sent or recorded. It only starts when no answer is running, so at most one is in flight, and it
/// runs no tool until it is kept.
/// </summary>
internal sealed partial class TurnGenerator
{
    // Bumped by every partial and final: a stability timer armed for an older one does nothing.
    private long _partialVersion;
    private ITimer? _stableTimer;
    private string? _lastFinal;

    /// <summary>The caller's unfinished words: (re)arms the stability timer, and cancels a speculation they no longer fit.</summary>
    public async Task OnCallerSpeakingAsync(string text)
    {
        if (!preemptive)
        {
            return;
        }

        var words = Normalize(text);
        bool wrong;
        lock (_sync)
        {
            // A partial that repeats the last final came late from the turn just answered.
            if (log.HasEnded || words.Length == 0 || words == _lastFinal)
            {
                return;
            }

            // An answer being spoken is left alone (speech over it arrives as an interrupt), and so is a speculation
            // that still fits; one on words that have since changed is wrong.
            if (_current is { } g && (g.Held is null || Normalize(g.SpeculatedOn!) == words))
            {
                return;
            }

            wrong = _current is not null;
            _partialVersion++;
        }

        // Cancelled before the timer is armed, so the next speculation finds no answer in its way.
        if (wrong)
        {
            await CancelAsync(heardText: null);
        }

        lock (_sync)
        {
            var version = ++_partialVersion;
            _stableTimer?.Dispose();
            _stableTimer = time.CreateTimer(_ => OnStable(version, text), null, options.PreemptiveStableDelay, Timeout.InfiniteTimeSpan);
        }
    }

    private void OnStable(long version, string text)
    {
        lock (_sync)
        {
            if (version == _partialVersion && !log.HasEnded && _current is null)
            {
                Start(speculatedOn: text);
            }
        }
    }

    /// <summary>
    /// Keeps the speculation when it was started on these final words: the caller's turn is recorded and the held
    /// pieces are sent at once. False when there is none, or it was started on other words (the caller cancels it).
    /// </summary>
    public async Task<bool> TryKeepSpeculationAsync(string text)
    {
        if (!preemptive)
        {
            return false;
        }

        Generation? g;
        lock (_sync)
        {
            _partialVersion++;
            _lastFinal = Normalize(text);
            g = _current;
            if (g?.Held is null || Normalize(g.SpeculatedOn!) != _lastFinal)
            {
                return false;
            }
        }

        return await KeepAsync(g, text);
    }

    // Apart from TryKeepSpeculationAsync: a lambda capturing its parameter would allocate on every final, kept or not.
    private Task<bool> KeepAsync(Generation g, string text) => gate.ReleaseHeldAsync(g, () => log.AddTurn(TurnRole.Caller, text));

    public void StopSpeculating()
    {
        lock (_sync)
        {
            _partialVersion++;
            _stableTimer?.Dispose();
            _stableTimer = null;
        }
    }

    /// <summary>Lower case, letters and digits only, single spaces: "Friday, at ten." and "friday at ten" are the same words.</summary>
    internal static string Normalize(string text)
    {
        var words = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (char.IsLetterOrDigit(c))
            {
                words.Append(char.ToLowerInvariant(c));
            }
            else if (char.IsWhiteSpace(c) && words.Length > 0 && words[^1] != ' ')
            {
                words.Append(' ');
            }
        }

        return words.ToString().TrimEnd();
    }
}
