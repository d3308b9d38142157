using System.Diagnostics;
using System.Text.Json.Nodes;
using AgentOS.Voice.Bench.Common;

namespace AgentOS.Voice.Bench.RelayLoad;

/// <summary>
/// A talking-caller run's figures (issue 23): what the caller waits after their last word, and what speculation on
/// partial words cost in model requests and tokens. The summaries go into the run's own table as well.
/// </summary>
internal sealed class PreemptiveFigures
{
    // ConversationRelay end to end as the seed quotes it (issue 23), printed beside the modelled heard latency.
    private const string SeedHeard = "seed ConversationRelay end to end: p50 491, p95 713";

    private readonly LoadOptions _options;
    private readonly int _turns;
    private readonly int _requests;
    private readonly int _extraRequests;
    private readonly long _extraTokens;
    private readonly Dictionary<string, Summary> _s;

    private PreemptiveFigures(LoadOptions options, int turns, int requests, int extraRequests, long extraTokens, Dictionary<string, Summary> summaries)
    {
        _options = options;
        _turns = turns;
        _requests = requests;
        _extraRequests = extraRequests;
        _extraTokens = extraTokens;
        _s = summaries;
    }

    public static PreemptiveFigures Of(LoadOptions options, List<TurnSample> counted, Dictionary<string, List<LoadReport.FakeStream>> streamsByTag, Dictionary<string, Summary> table)
    {
        var frequency = (double)Stopwatch.Frequency;
        double Ms(long from, long to) => (to - from) / frequency * 1000;
        var withToken = counted.Where(t => t.FirstTokenAt is not null && t.LastWordAt is not null).ToList();
        var finalToToken = withToken.Select(t => (Turn: t, Ms: Ms(t.PromptSentAt, t.FirstTokenAt!.Value))).ToList();
        var summaries = new Dictionary<string, Summary>
        {
            ["lastWordToFirstTokenMs"] = Summary.Of(withToken.Select(t => Ms(t.LastWordAt!.Value, t.FirstTokenAt!.Value))),
            ["matchedFinalToFirstTokenMs"] = Summary.Of(finalToToken.Where(x => !x.Turn.Misheard).Select(x => x.Ms)),
            ["misheardFinalToFirstTokenMs"] = Summary.Of(finalToToken.Where(x => x.Turn.Misheard).Select(x => x.Ms)),
            // Modelled, per the issue: endpointing as configured + what the caller measured from the final + TTS.
            ["heardLatencyModelledMs"] = Summary.Of(finalToToken.Select(x => options.EndpointingMs + x.Ms + options.TtsFirstAudioMs)),
        };
        foreach (var (name, summary) in summaries)
        {
            table[name] = summary;
        }

        // Only counted turns' streams: the warm-up's are not in the turn count either.
        var streams = counted.Select(t => streamsByTag.TryGetValue(t.Tag, out var list) ? list : []).ToList();
        var wasted = streams.SelectMany(list => list.Take(list.Count - 1)).ToList();
        return new PreemptiveFigures(options, counted.Count, streams.Sum(l => l.Count), wasted.Count, wasted.Sum(w => (long)w.TokensWritten), summaries);
    }

    public void Print()
    {
        Console.WriteLine($"talking caller (preemptive generation {(_options.Preemptive == true ? "on" : "off")}), ms:");
        Console.WriteLine($"  caller's last word → first token   {_s["lastWordToFirstTokenMs"]}");
        Console.WriteLine($"  final → first token, matched turns {_s["matchedFinalToFirstTokenMs"]}");
        Console.WriteLine($"  final → first token, misheard      {_s["misheardFinalToFirstTokenMs"]}");
        Console.WriteLine($"  heard latency, modelled = endpointing {_options.EndpointingMs} + final → first token + TTS first audio {_options.TtsFirstAudioMs}");
        Console.WriteLine($"                                     {_s["heardLatencyModelledMs"]}   ({SeedHeard})");
        Console.WriteLine($"  model requests {_requests} for {_turns} turns: extra (cancelled speculation) {_extraRequests} " +
                          $"({(_turns == 0 ? 0 : 100.0 * _extraRequests / _turns):F1} %), tokens the fake wrote for them {_extraTokens}");
    }

    public JsonObject Json() => new()
    {
        ["modelRequests"] = _requests,
        ["extraRequests"] = _extraRequests,
        ["extraRequestsPercentOfTurns"] = _turns == 0 ? 0 : 100.0 * _extraRequests / _turns,
        ["extraTokensWritten"] = _extraTokens,
    };
}
