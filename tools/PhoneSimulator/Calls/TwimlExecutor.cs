using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using AgentOS.Voice.Simulator.Audio;

namespace AgentOS.Voice.Simulator.Calls;

/// <summary>A TwiML document and the URL it came from (relative verb URLs resolve against it).</summary>
internal sealed record TwimlDocument(string Xml, string? Url);

/// <summary>Interprets TwiML the way Twilio does: verbs in order, and a verb that fetches new TwiML replaces the rest.</summary>
internal sealed class TwimlExecutor(SimulatorContext context, SimulatedCall call, NumberBehavior callee, CallRunner runner)
{
    private const double SpokenCharactersPerSecond = 15;
    private readonly RelayConnector _relay = new(context, call, callee);

    private abstract record Outcome;
    private sealed record Continue : Outcome;
    private sealed record End : Outcome;
    private sealed record Replace(TwimlDocument? Document) : Outcome;

    /// <summary>Runs documents until the call's TwiML ends; an update to the call abandons the current one.</summary>
    public async Task RunAsync(TwimlDocument? document, CancellationToken callToken)
    {
        while (true)
        {
            var token = call.BeginDocument(callToken);
            try
            {
                if (call.TakePendingUpdate() is { } update)
                {
                    document = await FetchAsync(update, "call update", "in-progress", [], null, token);
                }

                if (document is null)
                {
                    return;
                }

                document = await RunDocumentAsync(document, token);
                if (document is null)
                {
                    return;
                }
            }
            catch (OperationCanceledException) when (!callToken.IsCancellationRequested)
            {
                // Cancelled by an update: loop round to take it.
                document = null;
            }
        }
    }

    /// <summary>Requests TwiML from the app (or takes inline TwiML); null when the app failed, which ends the call.</summary>
    public async Task<TwimlDocument?> FetchAsync(
        TwimlSource source, string purpose, string callStatus, IEnumerable<KeyValuePair<string, string>> extra,
        string? baseUrl, CancellationToken token)
    {
        if (source.Twiml is { } inline)
        {
            return new TwimlDocument(inline, baseUrl);
        }

        var url = Resolve(source.Url!, baseUrl);
        if (url is null)
        {
            call.Log(new CallError($"{purpose}: '{source.Url}' is not an absolute URL and there is no document URL to resolve it against"));
            return null;
        }

        var parameters = runner.StandardParameters(callStatus);
        parameters.AddRange(extra);
        var reply = await context.Webhooks.SendAsync(call, purpose, url, source.Method, parameters, token);
        if (!reply.Succeeded)
        {
            call.Log(new CallError($"{purpose} failed ({reply.Status?.ToString(CultureInfo.InvariantCulture) ?? reply.Error}); Twilio would say an application error and hang up"));
            return null;
        }

        return new TwimlDocument(reply.Body, url);
    }

    private async Task<TwimlDocument?> RunDocumentAsync(TwimlDocument document, CancellationToken token)
    {
        XElement root;
        try
        {
            root = XElement.Parse(document.Xml);
        }
        catch (XmlException ex)
        {
            call.Log(new CallError($"TwiML is not well-formed XML: {ex.Message}"));
            return null;
        }

        if (root.Name.LocalName != "Response")
        {
            call.Log(new CallError($"TwiML root is <{root.Name.LocalName}>, not <Response>"));
            return null;
        }

        foreach (var verb in root.Elements())
        {
            var outcome = await ExecuteAsync(verb, document, token);
            switch (outcome)
            {
                case End:
                    return null;
                case Replace replace:
                    return replace.Document;
            }
        }

        return null;
    }

    private Task<Outcome> ExecuteAsync(XElement verb, TwimlDocument document, CancellationToken token) => verb.Name.LocalName switch
    {
        "Say" => SayAsync(verb, token),
        "Play" => PlayAsync(verb, document, token),
        "Pause" => PauseAsync(verb, token),
        "Record" => RecordAsync(verb, document, token),
        "Dial" => DialAsync(verb, document, token),
        "Redirect" => RedirectAsync(verb, document, token),
        "Hangup" => Logged(verb, "", new End()),
        "Connect" => ConnectAsync(verb, document, token),
        _ => Logged(null, $"unknown TwiML verb <{verb.Name.LocalName}>", new Continue()),
    };

    private Task<Outcome> Logged(XElement? verb, string detail, Outcome outcome)
    {
        call.Log(verb is null ? new CallError(detail) : new VerbExecuted(verb.Name.LocalName, detail));
        return Task.FromResult(outcome);
    }

    private async Task<Outcome> SayAsync(XElement verb, CancellationToken token)
    {
        var text = verb.Value.Trim();
        var loops = Loops(verb);
        call.Log(new VerbExecuted("Say", $"\"{text}\" voice={Attr(verb, "voice") ?? "-"} language={Attr(verb, "language") ?? "-"}"));
        await context.DelayAsync(Math.Max(1, text.Length / SpokenCharactersPerSecond) * loops, token);
        return new Continue();
    }

    private async Task<Outcome> PlayAsync(XElement verb, TwimlDocument document, CancellationToken token)
    {
        var source = verb.Value.Trim();
        if (source.Length == 0 && Attr(verb, "digits") is { } digits)
        {
            call.Log(new VerbExecuted("Play", $"digits {digits}"));
            return new Continue();
        }

        var url = Resolve(source, document.Url);
        var beforeBeep = runner.BeepDone is { } beep ? !beep : (bool?)null;
        if (url is null)
        {
            call.Log(new AudioPlayed(source, false, null, 0, TimeSpan.Zero, 0, beforeBeep, "not an absolute URL"));
            return new Continue();
        }

        byte[] bytes;
        try
        {
            // Twilio sends no call parameters and no signature to media URLs.
            using var response = await context.HttpClientFactory.CreateClient(SimulatorContext.AudioClientName).GetAsync(url, token);
            if (!response.IsSuccessStatusCode)
            {
                call.Log(new AudioPlayed(url, false, null, 0, TimeSpan.Zero, 0, beforeBeep, $"download returned HTTP {(int)response.StatusCode}"));
                return new Continue();
            }

            bytes = await response.Content.ReadAsByteArrayAsync(token);
        }
        catch (HttpRequestException ex)
        {
            call.Log(new AudioPlayed(url, false, null, 0, TimeSpan.Zero, 0, beforeBeep, $"download failed: {ex.Message}"));
            return new Continue();
        }

        var check = AudioInspector.Inspect(bytes);
        call.Log(new AudioPlayed(url, check.Playable, check.Format, check.SampleRate, check.Duration, bytes.Length, beforeBeep, check.Error));
        if (check.Playable)
        {
            await context.DelayAsync(check.Duration.TotalSeconds * Loops(verb), token);
        }

        return new Continue();
    }

    private async Task<Outcome> PauseAsync(XElement verb, CancellationToken token)
    {
        var length = IntAttr(verb, "length") ?? 1;
        call.Log(new VerbExecuted("Pause", $"{length} s"));
        await context.DelayAsync(length, token);
        return new Continue();
    }

    private async Task<Outcome> RecordAsync(XElement verb, TwimlDocument document, CancellationToken token)
    {
        var seconds = (int)Math.Min(callee.RecordingSeconds, IntAttr(verb, "maxLength") ?? 3600);
        call.Log(new VerbExecuted("Record", $"caller speaks {seconds} s"));
        await context.DelayAsync(seconds, token);
        if (seconds <= 0)
        {
            // Twilio skips the action for an empty recording and goes on with the next verb.
            return new Continue();
        }

        var recordingSid = SimulatorContext.NewSid("RE");
        var recordingUrl = context.RecordingUrl(recordingSid);
        context.Recordings[recordingSid] = WavWriter.Tone(TimeSpan.FromSeconds(seconds));
        call.Log(new RecordingMade(recordingSid, recordingUrl, seconds));
        var action = Attr(verb, "action") ?? document.Url;
        if (action is null)
        {
            call.Log(new CallError("<Record> has no action and the TwiML was inline, so there is nothing to request"));
            return new End();
        }

        List<KeyValuePair<string, string>> extra =
        [
            new("RecordingUrl", recordingUrl),
            new("RecordingDuration", seconds.ToString(CultureInfo.InvariantCulture)),
            new("RecordingSid", recordingSid),
            new("Digits", "hangup"),
        ];
        var next = await FetchAsync(TwimlSource.FromUrl(action, Attr(verb, "method") ?? "POST"), "record action", "in-progress", extra, document.Url, token);
        return new Replace(next);
    }

    private async Task<Outcome> DialAsync(XElement verb, TwimlDocument document, CancellationToken token)
    {
        var numbers = verb.Elements().Select(e => e.Value.Trim()).Where(n => n.Length > 0).ToList();
        if (numbers.Count == 0 && verb.Value.Trim() is { Length: > 0 } bare)
        {
            numbers.Add(bare);
        }

        var timeout = IntAttr(verb, "timeout") ?? 30;
        call.Log(new CallTransferred(numbers, Attr(verb, "callerId"), timeout, "completed"));
        const int bridgedSeconds = 5;
        await context.DelayAsync(bridgedSeconds, token);
        if (Attr(verb, "action") is not { } action)
        {
            return new Continue();
        }

        List<KeyValuePair<string, string>> extra =
        [
            new("DialCallStatus", "completed"),
            new("DialCallSid", SimulatorContext.NewSid("CA")),
            new("DialCallDuration", bridgedSeconds.ToString(CultureInfo.InvariantCulture)),
        ];
        var next = await FetchAsync(TwimlSource.FromUrl(action, Attr(verb, "method") ?? "POST"), "dial action", "in-progress", extra, document.Url, token);
        return new Replace(next);
    }

    private async Task<Outcome> RedirectAsync(XElement verb, TwimlDocument document, CancellationToken token)
    {
        var target = verb.Value.Trim();
        call.Log(new VerbExecuted("Redirect", target));
        var next = await FetchAsync(TwimlSource.FromUrl(target, Attr(verb, "method") ?? "POST"), "redirect", "in-progress", [], document.Url, token);
        return new Replace(next);
    }

    private async Task<Outcome> ConnectAsync(XElement verb, TwimlDocument document, CancellationToken token)
    {
        var relay = verb.Elements().FirstOrDefault(e => e.Name.LocalName == "ConversationRelay");
        if (relay is null)
        {
            call.Log(new CallError($"<Connect> without <ConversationRelay> ({string.Join(", ", verb.Elements().Select(e => e.Name.LocalName))}) is not simulated"));
            return new Continue();
        }

        var session = await _relay.RunAsync(relay, token);
        if (Attr(verb, "action") is not { } action)
        {
            return session.CallerHungUp ? new End() : new Continue();
        }

        var next = await FetchAsync(
            TwimlSource.FromUrl(action, Attr(verb, "method") ?? "POST"), "connect action",
            session.CallerHungUp ? "completed" : "in-progress", session.ActionParameters, document.Url, token);
        // After the caller hangs up there is no call left to run TwiML on.
        return session.CallerHungUp ? new End() : new Replace(next);
    }

    internal static string? Attr(XElement element, string name) => element.Attribute(name)?.Value;

    private static int? IntAttr(XElement element, string name) =>
        int.TryParse(Attr(element, name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    // loop="0" means "until hang-up" in Twilio; one pass is enough to check and time the audio here.
    private static int Loops(XElement verb) => Math.Max(1, IntAttr(verb, "loop") ?? 1);

    private static string? Resolve(string url, string? baseUrl)
    {
        if (Uri.TryCreate(url, UriKind.Absolute, out var absolute) && absolute.Scheme is "http" or "https")
        {
            return url;
        }

        return baseUrl is not null && Uri.TryCreate(new Uri(baseUrl), url, out var relative) ? relative.ToString() : null;
    }
}
