using System.Diagnostics;
using System.Globalization;
using AgentOS.Voice.Agents;
using AgentOS.Voice.Conversation;
using AgentOS.Voice.Hosting;
using AgentOS.Voice.Twilio;
using AgentOS.Voice.Twilio.Twiml;
using Microsoft.Extensions.Options;
using Twilio.TwiML;
using Twilio.TwiML.Voice;
using TwilioHttpMethod = Twilio.Http.HttpMethod;

namespace AgentOS.Voice.Calls;

/// <summary>
/// The TwiML of live calls and the public URLs in it. Every URL Twilio will call or sign is built from
/// PublicUrls (never from the request), so signatures match what Twilio was given.
/// </summary>
public sealed class LiveCallTwiml(IOptions<PublicUrlOptions> publicUrls, IOptions<LiveCallOptions> options, RelayTickets tickets)
{
    /// <summary>The query parameters of the Functions app's own call URLs below, read back by its webhooks.</summary>
    public const string CallIdQuery = "callId", AttemptQuery = "attempt";

    /// <summary>
    /// <c>&lt;Connect action=relay-action&gt;&lt;ConversationRelay&gt;</c> for the agent: its voice, languages and providers,
    /// the greeting filled from <paramref name="context"/>, and the call id as a Parameter (never the context itself), and the webhook's traceparent when it is traced.
    /// The relay URL carries a ticket for this call and <paramref name="attempt"/>, so the socket can only be this call's.
    /// <paramref name="preamble"/> is said first (used when reconnecting after a failed session). Text from agents and
    /// callers goes through <see cref="XmlText.Strip"/> so nothing stored can make the TwiML unwritable.
    /// </summary>
    public VoiceResponse Connect(Agent agent, string callId, IReadOnlyDictionary<string, string>? context, int attempt, string? preamble = null)
    {
        var response = new VoiceResponse();
        if (preamble is not null)
        {
            response.Say(XmlText.Strip(preamble), language: SayLanguage(agent.Language));
        }

        var greeting = XmlText.Strip(GreetingTemplate.Fill(agent.Greeting, context));
        var relay = new ConversationRelay(
            url: RelayUrl(agent.Id, callId, attempt),
            welcomeGreeting: greeting.Length > 0 ? greeting : null,
            language: XmlText.Strip(agent.Language),
            voice: XmlText.Strip(agent.Voice),
            ttsProvider: XmlText.Strip(agent.TtsProvider),
            transcriptionProvider: XmlText.Strip(agent.TranscriptionProvider),
            // Twilio's defaults for these have changed over time; the session relies on them, so they are explicit.
            interruptible: "any",
            welcomeGreetingInterruptible: "any",
            // Keys outside the agent's menu still reach the model as caller input, so keys are always detected.
            dtmfDetection: true,
            // Unfinished transcripts, for agents that start answering before the caller is done (preemptive generation).
            partialPrompts: agent.PreemptiveGeneration ? true : null);
        relay.Parameter(name: RelayTickets.CallIdSetupParameter, value: XmlText.Strip(callId));
        relay.Parameter(name: RelayTickets.AgentIdSetupParameter, value: XmlText.Strip(agent.Id));
        // The relay's call span continues this webhook's trace: Twilio hands Parameters to the relay in its setup.
        if (Activity.Current is { IdFormat: ActivityIdFormat.W3C } webhook)
        {
            webhook.SetTag(VoiceTelemetry.CallIdTag, callId);
            webhook.SetTag(VoiceTelemetry.AgentIdTag, agent.Id);
            relay.Parameter(name: VoiceTelemetry.TraceParentParameter, value: webhook.Id);
        }
        foreach (var language in agent.OtherLanguages)
        {
            relay.Language(
                code: XmlText.Strip(language.Code),
                voice: StripOptional(language.Voice),
                ttsProvider: StripOptional(language.TtsProvider),
                transcriptionProvider: StripOptional(language.TranscriptionProvider));
        }

        var connect = new Connect(action: new Uri(RelayActionUrl(agent.Id, callId, attempt)), method: TwilioHttpMethod.Post);
        return response.Append(connect.Append(relay));
    }

    /// <summary>A spoken message and a hang-up: what a caller gets instead of an error page.</summary>
    public static VoiceResponse SayAndHangUp(string text, string? language = null) =>
        new VoiceResponse().Say(XmlText.Strip(text), language: SayLanguage(language)).Hangup();

    public VoiceResponse Unavailable(Agent? agent) => SayAndHangUp(options.Value.UnavailableText, agent?.Language);

    /// <summary>Bridges the caller to the agent's transfer number; the agent's own number shows as the caller.</summary>
    public VoiceResponse Transfer(Agent agent, string transferNumber)
    {
        var dial = new Dial(callerId: XmlText.Strip(agent.PhoneNumber), timeout: options.Value.TransferTimeoutSeconds, answerOnBridge: true);
        return new VoiceResponse().Append(dial.Number(XmlText.Strip(transferNumber)));
    }

    private static string? StripOptional(string? text) => text is null ? null : XmlText.Strip(text);

    // The SDK turns a null string into a language with no value, which it then fails to write: only convert a real one.
    private static Say.LanguageEnum? SayLanguage(string? language) => language is null ? null : (Say.LanguageEnum)XmlText.Strip(language);

    /// <summary>
    /// The agent's ConversationRelay socket on RelayHost (PublicUrls:RelayBaseUrl + <see cref="RelayRoute"/>) with the ticket
    /// of one call's session attempt.
    /// </summary>
    public string RelayUrl(string agentId, string callId, int attempt) =>
        Base(publicUrls.Value.RelayBaseUrl, "PublicUrls:RelayBaseUrl") + RelayRoute.Path(agentId) + tickets.Query(agentId, callId, attempt);

    public string RelayActionUrl(string agentId, string callId, int attempt) =>
        FunctionsUrl(agentId, "relay-action") + "?" + CallIdQuery + "=" + Uri.EscapeDataString(callId) + "&" + AttemptQuery + "=" + attempt.ToString(CultureInfo.InvariantCulture);

    public string OutboundCallUrl(string agentId, string callId) =>
        FunctionsUrl(agentId, "outbound-call") + "?" + CallIdQuery + "=" + Uri.EscapeDataString(callId);

    public string StatusCallbackUrl(string agentId, string callId) =>
        FunctionsUrl(agentId, "call-status") + "?" + CallIdQuery + "=" + Uri.EscapeDataString(callId);

    private string FunctionsUrl(string agentId, string name) =>
        Base(publicUrls.Value.FunctionsBaseUrl, "PublicUrls:FunctionsBaseUrl") + AgentPath(agentId, name);

    private static string AgentPath(string agentId, string name) => "/agents/" + Uri.EscapeDataString(agentId) + "/" + name;

    private static string Base(string? url, string key) =>
        string.IsNullOrWhiteSpace(url) ? throw new InvalidOperationException($"{key} is not configured.") : url.TrimEnd('/');
}
