using System.Globalization;
using AgentOS.Voice.Agents;
using AgentOS.Voice.Conversation;
using AgentOS.Voice.Twilio;
using AgentOS.Voice.Twilio.Twiml;
using Microsoft.Extensions.Options;

namespace AgentOS.Voice.Functions.Calls;

/// <summary>
/// The TwiML of live calls and the public URLs in it. Every URL Twilio will call or sign is built from
/// PublicUrls (never from the request), so signatures match what Twilio was given.
/// </summary>
public sealed class LiveCallTwiml(IOptions<PublicUrlOptions> publicUrls, IOptions<LiveCallOptions> options)
{
    public const string CallIdParameter = "callId";
    public const string AgentIdParameter = "agentId";

    /// <summary>
    /// <c>&lt;Connect action=relay-action&gt;&lt;ConversationRelay&gt;</c> for the agent: its voice, languages and providers,
    /// the greeting filled from <paramref name="context"/>, and the call id as a Parameter (never the context itself).
    /// <paramref name="preamble"/> is said first (used when reconnecting after a failed session).
    /// </summary>
    public TwimlResponse Connect(Agent agent, string callId, IReadOnlyDictionary<string, string>? context, int attempt, string? preamble = null)
    {
        var response = new TwimlResponse();
        if (preamble is not null)
        {
            response.Say(preamble, new SayOptions { Language = agent.Language });
        }

        var greeting = GreetingTemplate.Fill(agent.Greeting, context);
        var relay = new ConversationRelayOptions(RelayUrl(agent.Id))
        {
            WelcomeGreeting = greeting.Length > 0 ? greeting : null,
            Language = agent.Language,
            Voice = agent.Voice,
            TtsProvider = agent.TtsProvider,
            TranscriptionProvider = agent.TranscriptionProvider,
            // Twilio's defaults for these have changed over time; the session relies on them, so they are explicit.
            Interruptible = RelayInputKind.Any,
            WelcomeGreetingInterruptible = RelayInputKind.Any,
            // Keys outside the agent's menu still reach the model as caller input, so keys are always detected.
            DtmfDetection = true,
            Parameters = [new TwimlParameter(CallIdParameter, callId), new TwimlParameter(AgentIdParameter, agent.Id)],
            Languages = agent.OtherLanguages
                .Select(l => new RelayLanguage(l.Code) { Voice = l.Voice, TtsProvider = l.TtsProvider, TranscriptionProvider = l.TranscriptionProvider })
                .ToList(),
        };
        return response.ConnectConversationRelay(relay, new ConnectOptions
        {
            Action = RelayActionUrl(agent.Id, callId, attempt),
            Method = HttpMethod.Post,
        });
    }

    /// <summary>A spoken message and a hang-up: what a caller gets instead of an error page.</summary>
    public static TwimlResponse SayAndHangUp(string text, string? language = null) =>
        new TwimlResponse().Say(text, new SayOptions { Language = language }).Hangup();

    public TwimlResponse Unavailable(Agent? agent) => SayAndHangUp(options.Value.UnavailableText, agent?.Language);

    /// <summary>The agent's ConversationRelay socket on RelayHost (PublicUrls:RelayBaseUrl + /agents/{id}/ws).</summary>
    public string RelayUrl(string agentId) => Base(publicUrls.Value.RelayBaseUrl, "PublicUrls:RelayBaseUrl") + AgentPath(agentId, "ws");

    public string RelayActionUrl(string agentId, string callId, int attempt) =>
        FunctionsUrl(agentId, "relay-action") + "?callId=" + Uri.EscapeDataString(callId) + "&attempt=" + attempt.ToString(CultureInfo.InvariantCulture);

    public string OutboundCallUrl(string agentId, string callId) =>
        FunctionsUrl(agentId, "outbound-call") + "?callId=" + Uri.EscapeDataString(callId);

    public string StatusCallbackUrl(string agentId, string callId) =>
        FunctionsUrl(agentId, "call-status") + "?callId=" + Uri.EscapeDataString(callId);

    private string FunctionsUrl(string agentId, string name) =>
        Base(publicUrls.Value.FunctionsBaseUrl, "PublicUrls:FunctionsBaseUrl") + AgentPath(agentId, name);

    private static string AgentPath(string agentId, string name) => "/agents/" + Uri.EscapeDataString(agentId) + "/" + name;

    private static string Base(string? url, string key) =>
        string.IsNullOrWhiteSpace(url) ? throw new InvalidOperationException($"{key} is not configured.") : url.TrimEnd('/');
}
