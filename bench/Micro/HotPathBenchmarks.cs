using System.Text;
using AgentOS.Voice.Simulator.Signing;
using AgentOS.Voice.Twilio.ConversationRelay;
using AgentOS.Voice.Twilio.Twiml;
using AgentOS.Voice.Twilio.Webhooks;
using BenchmarkDotNet.Attributes;
using Twilio.TwiML;
using Twilio.TwiML.Voice;

namespace AgentOS.Voice.Bench.Micro;

/// <summary>The per-request and per-message hot paths, one call each.</summary>
public class HotPathBenchmarks
{
    private const string AuthToken = "12345678901234567890123456789012";
    private const string WebhookUrl = "https://agentos-voice-func.azurewebsites.net/agents/front-desk/incoming-call";
    private const string RelayUrl = "wss://agentos-voice-relay.example.azurecontainerapps.io/agents/front-desk/ws";

    // The form fields Twilio posts to a voice webhook for an inbound call.
    private static readonly KeyValuePair<string, string>[] IncomingCallForm =
    [
        new("AccountSid", "AC0123456789abcdef0123456789abcdef"), new("ApiVersion", "2010-04-01"),
        new("CallSid", "CA0123456789abcdef0123456789abcdef"), new("CallStatus", "ringing"), new("CallToken", "%7B%22parentCallInfoToken%22%3A%22eyJhbGciOiJFUzI1NiJ9%22%7D"),
        new("Called", "+14155550100"), new("CalledCity", "SAN FRANCISCO"), new("CalledCountry", "US"), new("CalledState", "CA"), new("CalledZip", "94105"),
        new("Caller", "+14155550199"), new("CallerCity", "OAKLAND"), new("CallerCountry", "US"), new("CallerState", "CA"), new("CallerZip", "94601"),
        new("Direction", "inbound"), new("From", "+14155550199"), new("FromCity", "OAKLAND"), new("FromCountry", "US"), new("FromState", "CA"),
        new("FromZip", "94601"), new("To", "+14155550100"), new("ToCity", "SAN FRANCISCO"), new("ToCountry", "US"), new("ToState", "CA"), new("ToZip", "94105"),
    ];

    private static readonly byte[] PromptFrame = Encoding.UTF8.GetBytes(
        """{"type":"prompt","voicePrompt":"Hi, what are your opening hours on Saturday?","lang":"en-US","last":true}""");

    private static readonly byte[] InterruptFrame = Encoding.UTF8.GetBytes(
        """{"type":"interrupt","utteranceUntilInterrupt":"We are open Monday to Friday, from nine","durationUntilInterruptMs":1540}""");


    private readonly RelayFrameWriter _writer = new();
    private string _webhookSignature = "";
    private string _relaySignature = "";

    [GlobalSetup]
    public void Setup()
    {
        _webhookSignature = TwilioRequestSigner.Sign(AuthToken, WebhookUrl, IncomingCallForm);
        _relaySignature = TwilioRequestSigner.Sign(AuthToken, RelayUrl);
    }

    [GlobalCleanup]
    public void Cleanup() => _writer.Dispose();

    [Benchmark(Description = "signature check: incoming-call webhook (26 form fields)")]
    public bool SignatureWebhook() => TwilioSignatureCheck.IsValidForm(AuthToken, WebhookUrl, IncomingCallForm, _webhookSignature);

    [Benchmark(Description = "signature check: relay WebSocket upgrade (URL only)")]
    public bool SignatureUpgrade() => TwilioSignatureCheck.IsValidUrl(AuthToken, RelayUrl, _relaySignature);

    [Benchmark(Description = "TwiML (SDK): <Connect><ConversationRelay> built and written")]
    public string TwimlConnectRelay()
    {
        var relay = new ConversationRelay(
            url: RelayUrl,
            welcomeGreeting: XmlText.Strip("Hi, this is the front desk of the Oakland clinic. How can I help?"),
            language: "en-US",
            ttsProvider: "ElevenLabs",
            voice: "UgBBYS2sOqTuMpoF3BR0",
            transcriptionProvider: "Deepgram",
            dtmfDetection: true,
            interruptible: "any");
        relay.Parameter(name: "callId", value: "c0ffee0123456789abcdef0123456789");
        return new VoiceResponse().Append(new Connect().Append(relay)).ToTwiml();
    }

    [Benchmark(Description = "relay message: parse prompt")]
    public bool ParsePrompt() => RelayMessageParser.Parse(PromptFrame).Succeeded;

    [Benchmark(Description = "relay message: parse interrupt")]
    public bool ParseInterrupt() => RelayMessageParser.Parse(InterruptFrame).Succeeded;

    [Benchmark(Description = "relay frame: write text token")]
    public int WriteTextToken() => _writer.WriteText(" Friday,", last: false).Length;
}
