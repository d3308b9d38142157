using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace AgentOS.Voice.Hosting;

/// <summary>
/// The product's own spans and metrics (source and meter <c>AgentOS.Voice</c>; docs/operations.md says what each
/// means and what to watch). Static, because instruments are looked up by name by whatever listens (OpenTelemetry in
/// the apps, the in-memory exporter in tests) and cost next to nothing while nobody does: an unheard counter's Add
/// returns at once and an unheard source starts no activity. Tags are few and bounded (never a call id on a metric).
/// </summary>
public static class VoiceTelemetry
{
    /// <summary>The names the apps' telemetry listens to (ServiceDefaults in the Hosting project).</summary>
    public const string ActivitySourceName = "AgentOS.Voice", MeterName = "AgentOS.Voice";

    public static readonly ActivitySource Source = new(ActivitySourceName);

    private static readonly Meter s_meter = new(MeterName);

    /// <summary>Span and log attribute naming the call on both apps, so one call's work can be found across them.</summary>
    public const string CallIdTag = "agentos.call_id";

    public const string AgentIdTag = "agentos.agent_id";

    /// <summary>The ConversationRelay parameter carrying the W3C traceparent of the webhook that connected the call.</summary>
    public const string TraceParentParameter = "traceparent";

    /// <summary>Live ConversationRelay sessions on this replica (admitted minus ended).</summary>
    public static readonly UpDownCounter<long> LiveSessions = s_meter.CreateUpDownCounter<long>(
        "agentos.voice.relay.sessions", "{session}", "Live ConversationRelay sessions on this replica.");

    /// <summary>Upgrades answered 403/404/503, tagged by reason (signature, draining, at-capacity, no-agent, no-model).</summary>
    public static readonly Counter<long> RefusedUpgrades = s_meter.CreateCounter<long>(
        "agentos.voice.relay.refused", "{upgrade}", "ConversationRelay upgrades refused, by reason.");

    /// <summary>From the caller's final words to the answer's first token reaching the socket.</summary>
    public static readonly Histogram<double> FirstToken = s_meter.CreateHistogram(
        "agentos.voice.turn.first_token", "ms", "Time from the caller's prompt to the first token sent.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2000, 5000, 10000] });

    public static readonly Counter<long> Interrupts = s_meter.CreateCounter<long>(
        "agentos.voice.turn.interrupts", "{interrupt}", "Times a caller spoke over the agent.");

    public static readonly Counter<long> Handoffs = s_meter.CreateCounter<long>(
        "agentos.voice.call.handoffs", "{call}", "Calls handed to a person.");

    /// <summary>Outcomes made (once per call or message), tagged by kind (call, message) and status.</summary>
    public static readonly Counter<long> Outcomes = s_meter.CreateCounter<long>(
        "agentos.voice.outcomes", "{outcome}", "Call and message outcomes made, by kind and status.");

    /// <summary>Failures of an outside provider, tagged by provider (llm, agent-tool, speech, twilio).</summary>
    public static readonly Counter<long> ProviderErrors = s_meter.CreateCounter<long>(
        "agentos.voice.provider.errors", "{error}", "Failed calls to outside providers, by provider.");

    /// <summary>How long a queue message waited before a worker took it, tagged by queue.</summary>
    public static readonly Histogram<double> QueueAge = s_meter.CreateHistogram(
        "agentos.voice.queue.age", "s", "Time a queue message waited before it was processed.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600] });

    /// <summary>
    /// Records the reconciler looked at, tagged by kind (call, message) and result (settled, live, failed: no call SID
    /// or unknown to Twilio, deferred: Twilio did not answer, changed: written meanwhile).
    /// </summary>
    public static readonly Counter<long> Reconciled = s_meter.CreateCounter<long>(
        "agentos.voice.reconciler.records", "{record}", "Stuck call and message records looked up at Twilio, by kind and result.");

    public static class Providers
    {
        public const string Llm = "llm";
        public const string AgentTool = "agent-tool";
        public const string Speech = "speech";
        public const string Twilio = "twilio";
    }

    public static void ProviderFailed(string provider) => ProviderErrors.Add(1, new KeyValuePair<string, object?>("provider", provider));

    /// <summary>The parent a relay session's call span continues: the traceparent its setup carried, if valid.</summary>
    public static ActivityContext ParentFrom(string? traceParent) =>
        ActivityContext.TryParse(traceParent, traceState: null, isRemote: true, out var parent) ? parent : default;
}
