using System.Diagnostics;
using AgentOS.Voice.Bench.Common;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentOS.Voice.Bench.RelayLoad;

/// <summary>Turns the samples of a conversation run into the printed figures and the JSON result.</summary>
internal static class LoadReport
{
    public static JsonObject Build(
        LoadOptions options, List<TurnSample> turns, List<double> sendLatenessMs, List<double> promptToWireMs, JsonNode fake,
        ProcessSampler[] samplers, TimeSpan measureFrom, TimeSpan measureTo, List<string> errors)
    {
        var frequency = (double)Stopwatch.Frequency;
        double Ms(long from, long to) => (to - from) / frequency * 1000;

        // A turn can have two streams under its tag: with preemptive generation, a speculation on the partial words
        // that the final did not match is cancelled and the answer started again on the final. The caller heard the
        // last one; the earlier ones are speculation spent for nothing.
        var streamsByTag = fake["streams"]!.AsArray()
            .Select(s => s!.Deserialize<FakeStream>(JsonSerializerOptions.Web)!)
            .Where(s => s.Tag.Length > 0)
            .GroupBy(s => s.Tag)
            .ToDictionary(g => g.Key, g => g.OrderBy(s => s.ReceivedAt).ToList());
        var streams = streamsByTag.ToDictionary(p => p.Key, p => p.Value[^1]);
        var counted = turns.Where(t => t.Counted).ToList();
        var withToken = counted.Where(t => t.FirstTokenAt is not null).ToList();

        var raw = withToken.Select(t => Ms(t.PromptSentAt, t.FirstTokenAt!.Value) - options.TtftMs).ToList();
        var matched = withToken.Where(t => streams.TryGetValue(t.Tag, out var s) && s.FirstTokenAt > 0).ToList();
        var upstream = matched.Select(t => Ms(t.PromptSentAt, streams[t.Tag].ReceivedAt)).ToList();
        var downstream = matched.Select(t => Ms(streams[t.Tag].FirstTokenAt, t.FirstTokenAt!.Value)).ToList();
        var ours = matched.Select(t => Ms(t.PromptSentAt, streams[t.Tag].ReceivedAt) + Ms(streams[t.Tag].FirstTokenAt, t.FirstTokenAt!.Value)).ToList();
        var fakeFirstLate = matched.Select(t => Ms(streams[t.Tag].ReceivedAt, streams[t.Tag].FirstTokenAt) - options.TtftMs).ToList();

        var interrupted = counted.Where(t => t.Interrupt && t.InterruptSentAt is not null).ToList();
        var closed = interrupted.Where(t => streams.TryGetValue(t.Tag, out var s) && s.AbortedAt > 0).ToList();
        var closeMs = closed.Select(t => Ms(t.InterruptSentAt!.Value, streams[t.Tag].AbortedAt)).ToList();
        var notClosed = interrupted.Count - closed.Count;
        // What the fake did with a stream it never saw closed: still writing long after the interrupt means the stream
        // was left open; finished all its tokens before the interrupt was sent means there was nothing left to close.
        var notClosedSamples = interrupted.Except(closed).Take(10).Select(t => streams.TryGetValue(t.Tag, out var f)
            ? $"{t.Tag}: the fake wrote {f.TokensWritten} tokens (completed: {f.Completed}), its last {Ms(t.InterruptSentAt!.Value, f.LastTokenAt):F1} ms after the interrupt was sent"
            : $"{t.Tag}: the fake has no stream for it").ToList();
        var stale = interrupted.Select(t => (double)t.StaleTokens).ToList();
        var staleLate = interrupted.Where(t => t.StaleLatenessMs is not null).Select(t => t.StaleLatenessMs!.Value).ToList();
        var fakeLate = fake["latenessMs"]!.AsArray().Select(v => v!.GetValue<double>()).ToList();
        var incomplete = counted.Count(t => !t.Interrupt && !t.Completed);

        var s = new Dictionary<string, Summary>
        {
            ["overheadRawMs"] = Summary.Of(raw),
            ["overheadOursMs"] = Summary.Of(ours),
            ["promptToLlmRequestMs"] = Summary.Of(upstream),
            ["llmTokenToCallerMs"] = Summary.Of(downstream),
            ["fakeFirstTokenLatenessMs"] = Summary.Of(fakeFirstLate),
            ["interruptToStreamClosedMs"] = Summary.Of(closeMs),
            ["staleTokensPerInterrupt"] = Summary.Of(stale),
            ["lastStaleTokenAfterInterruptMs"] = Summary.Of(staleLate),
            ["loadToolSendLatenessMs"] = Summary.Of(sendLatenessMs),
            ["loadToolPromptToWireMs"] = Summary.Of(promptToWireMs),
            ["fakeTokenLatenessMs"] = Summary.Of(fakeLate),
        };

        var preemptive = options.Preemptive is null ? null : PreemptiveFigures.Of(options, counted, streamsByTag, s);

        var relay = samplers[0];
        var cpu = samplers.ToDictionary(p => p.Name, p => p.CpuPercent(measureFrom, measureTo));
        var rssAt1Min = relay.Samples.FirstOrDefault(x => x.At >= measureFrom + TimeSpan.FromMinutes(1)).Sample?.RssKb;
        var rssEnd = relay.Samples.LastOrDefault(x => x.At <= measureTo).Sample?.RssKb;

        Console.WriteLine();
        Console.WriteLine($"== RelayHost load: {options.Sessions} sessions, one turn per session every {options.TurnInterval.TotalSeconds:F0} s, " +
                          $"fake LLM TTFT {options.TtftMs} ms, {options.TokensPerSecond} tokens/s, {options.Tokens} tokens; every {options.InterruptEvery}th turn interrupted after {options.InterruptAfterTokens} tokens; LLM over {options.LlmTransport}" +
                          (options.PrewarmSessions > 0 ? $"; pre-warmed with {options.PrewarmSessions} sessions for {options.PrewarmTime.TotalSeconds:F0} s" : "") +
                          $"; live events {(options.Events ? "on" : "off")}" +
                          (options.Preemptive is { } on ? $"; talking caller, endpointing {options.EndpointingMs} ms, every {options.MisheardEvery}th final misheard, preemptive generation {(on ? "on" : "off")}" : "") + " ==");
        Console.WriteLine($"turns counted {counted.Count} (interrupted {interrupted.Count}), errors {errors.Count}, answers not completed {incomplete}");
        Console.WriteLine("first token, ms (prompt handed to the socket → first token received):");
        Console.WriteLine($"  overhead = TTFT − {options.TtftMs}      {s["overheadRawMs"]}");
        Console.WriteLine($"  ours (fake's lateness removed) {s["overheadOursMs"]}");
        Console.WriteLine($"    prompt → LLM request at fake  {s["promptToLlmRequestMs"]}");
        Console.WriteLine($"    fake wrote token → caller got {s["llmTokenToCallerMs"]}");
        Console.WriteLine($"  fake's first-token lateness    {s["fakeFirstTokenLatenessMs"]}");
        preemptive?.Print();
        Console.WriteLine("interrupts:");
        Console.WriteLine($"  interrupt sent → LLM stream closed at fake, ms {s["interruptToStreamClosedMs"]}   (streams never closed: {notClosed})");
        foreach (var sample in notClosedSamples)
        {
            Console.WriteLine($"    never closed: {sample}");
        }

        Console.WriteLine($"  stale tokens per interrupted answer         {s["staleTokensPerInterrupt"]}   (total {stale.Sum():F0})");
        Console.WriteLine($"  last stale token after the interrupt, ms    {s["lastStaleTokenAfterInterruptMs"]}");
        Console.WriteLine("how busy the tools were:");
        Console.WriteLine($"  load tool send lateness, ms  {s["loadToolSendLatenessMs"]}");
        Console.WriteLine($"  load tool prompt → socket, ms {s["loadToolPromptToWireMs"]}");
        Console.WriteLine($"  fake token lateness, ms      {s["fakeTokenLatenessMs"]}");
        Console.WriteLine($"  CPU % of one core over the measured window: {string.Join(", ", cpu.Select(c => $"{c.Key} {c.Value:F1}"))}");
        Console.WriteLine($"relayhost RSS: max {relay.MaxRssKb() / 1024.0:F1} MB, 1 min into the measured window {(rssAt1Min is { } kb ? $"{kb / 1024.0:F1} MB" : "n/a")}, at end {rssEnd / 1024.0:F1} MB");
        foreach (var group in errors.GroupBy(e => e.Contains(':') ? e[(e.IndexOf(':') + 1)..].Trim() : e).OrderByDescending(g => g.Count()).Take(5))
        {
            Console.WriteLine($"  error ×{group.Count()}: {group.Key}");
        }

        var result = new JsonObject
        {
            ["mode"] = "conversation",
            ["options"] = JsonSerializer.SerializeToNode(new
            {
                options.Sessions, Duration = options.Duration.TotalSeconds, Warmup = options.Warmup.TotalSeconds,
                options.PrewarmSessions, PrewarmTime = options.PrewarmTime.TotalSeconds,
                TurnInterval = options.TurnInterval.TotalSeconds, options.TtftMs, options.TokensPerSecond, options.Tokens,
                options.InterruptEvery, options.InterruptAfterTokens, LlmTransport = options.LlmTransport.ToString(), options.Events,
                options.Preemptive, options.EndpointingMs, options.MisheardEvery, options.TtsFirstAudioMs,
            }, JsonSerializerOptions.Web),
            ["turnsCounted"] = counted.Count,
            ["interrupts"] = interrupted.Count,
            ["streamsNotClosedAfterInterrupt"] = notClosed,
            ["streamsNotClosedSamples"] = new JsonArray([.. notClosedSamples.Select(n => (JsonNode)JsonValue.Create(n)!)]),
            ["errors"] = errors.Count,
            ["errorSamples"] = new JsonArray([.. errors.Distinct().Take(10).Select(e => (JsonNode)JsonValue.Create(e)!)]),
            ["answersNotCompleted"] = incomplete,
            ["cpuPercentOfOneCore"] = JsonSerializer.SerializeToNode(cpu),
            ["relayRssKb"] = new JsonObject { ["max"] = relay.MaxRssKb(), ["oneMinuteIn"] = rssAt1Min, ["end"] = rssEnd },
            ["relayRssSamplesKb"] = new JsonArray([.. relay.Samples.Select(x => (JsonNode)new JsonArray(Math.Round(x.At.TotalSeconds, 1), x.Sample.RssKb))]),
        };
        if (preemptive is not null)
        {
            result["speculation"] = preemptive.Json();
        }

        foreach (var (name, summary) in s)
        {
            result[name] = JsonSerializer.SerializeToNode(summary, JsonSerializerOptions.Web);
        }

        return result;
    }

    internal sealed record FakeStream(string Tag, long ReceivedAt, long FirstTokenAt, long LastTokenAt, int TokensWritten, long AbortedAt, bool Completed);
}
