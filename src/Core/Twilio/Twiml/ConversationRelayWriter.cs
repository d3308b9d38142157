using System.Globalization;
using System.Xml;
using static AgentOS.Voice.Twilio.Twiml.TwimlResponse;

namespace AgentOS.Voice.Twilio.Twiml;

/// <summary>Writes the <c>&lt;ConversationRelay&gt;</c> attributes with Twilio's spelling; unset values are omitted.</summary>
internal static class ConversationRelayWriter
{
    public static void WriteAttributes(XmlWriter w, ConversationRelayOptions o)
    {
        Attr(w, "url", o.Url);
        Attr(w, "welcomeGreeting", o.WelcomeGreeting);
        Attr(w, "welcomeGreetingInterruptible", Lower(o.WelcomeGreetingInterruptible));
        Attr(w, "language", o.Language);
        Attr(w, "ttsLanguage", o.TtsLanguage);
        Attr(w, "transcriptionLanguage", o.TranscriptionLanguage);
        Attr(w, "ttsProvider", o.TtsProvider);
        Attr(w, "voice", o.Voice);
        Attr(w, "transcriptionProvider", o.TranscriptionProvider);
        Attr(w, "speechModel", o.SpeechModel);
        Attr(w, "deepgramSmartFormat", o.DeepgramSmartFormat);
        Attr(w, "interruptible", Lower(o.Interruptible));
        Attr(w, "interruptSensitivity", Lower(o.InterruptSensitivity));
        Attr(w, "dtmfDetection", o.DtmfDetection);
        Attr(w, "reportInputDuringAgentSpeech", Lower(o.ReportInputDuringAgentSpeech));
        Attr(w, "preemptible", o.Preemptible);
        Attr(w, "hints", Join(o.Hints, ","));
        Attr(w, "debug", Join(o.Debug, " "));
        Attr(w, "elevenlabsTextNormalization", Lower(o.ElevenlabsTextNormalization));
        Attr(w, "intelligenceService", o.IntelligenceService);
        Attr(w, "partialPrompts", o.PartialPrompts);
        Attr(w, "profanityFilter", o.ProfanityFilter);
        Attr(w, "speechTimeout", o.SpeechTimeoutMs);
        Attr(w, "ignoreBackchannel", o.IgnoreBackchannel);
        Attr(w, "eotThreshold", o.EotThreshold?.ToString(CultureInfo.InvariantCulture));
        Attr(w, "backgroundNoiseReduction", o.BackgroundNoiseReduction);
        Attr(w, "events", Join(o.Events, " "));
        Attr(w, "conversationConfiguration", o.ConversationConfiguration);
    }

    private static string? Lower<T>(T? value)
        where T : struct, Enum =>
        value?.ToString().ToLowerInvariant();
}
