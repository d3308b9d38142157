using System.Text;
using AgentOS.Voice.Twilio;
using AgentOS.Voice.Twilio.ConversationRelay;
using AgentOS.Voice.Twilio.Twiml;
using BenchmarkDotNet.Attributes;

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

    private static readonly ConversationRelayOptions Relay = new(RelayUrl)
    {
        WelcomeGreeting = "Hi, this is the front desk of the Oakland clinic. How can I help?",
        Language = "en-US",
        TtsProvider = "ElevenLabs",
        Voice = "UgBBYS2sOqTuMpoF3BR0",
        TranscriptionProvider = "Deepgram",
        DtmfDetection = true,
        Interruptible = RelayInputKind.Any,
        Parameters = [new TwimlParameter("callId", "c0ffee0123456789abcdef0123456789")],
    };

    private readonly RelayFrameWriter _writer = new();
    private string _webhookSignature = "";
    private string _relaySignature = "";

    [GlobalSetup]
    public void Setup()
    {
        _webhookSignature = TwilioSignature.Compute(AuthToken, WebhookUrl, IncomingCallForm);
        _relaySignature = TwilioSignature.Compute(AuthToken, RelayUrl);
    }

    [GlobalCleanup]
    public void Cleanup() => _writer.Dispose();

    [Benchmark(Description = "signature check: incoming-call webhook (26 form fields)")]
    public bool SignatureWebhook() => TwilioSignature.IsValid(AuthToken, WebhookUrl, IncomingCallForm, _webhookSignature);

    [Benchmark(Description = "signature check: relay WebSocket upgrade (URL only)")]
    public bool SignatureUpgrade() => TwilioSignature.IsValid(AuthToken, RelayUrl, null, _relaySignature);

    [Benchmark(Description = "TwiML: <Connect><ConversationRelay> to UTF-8")]
    public byte[] TwimlConnectRelay() => new TwimlResponse().ConnectConversationRelay(Relay).ToUtf8Bytes();

    [Benchmark(Description = "relay message: parse prompt")]
    public bool ParsePrompt() => RelayMessageParser.Parse(PromptFrame).Succeeded;

    [Benchmark(Description = "relay message: parse interrupt")]
    public bool ParseInterrupt() => RelayMessageParser.Parse(InterruptFrame).Succeeded;

    [Benchmark(Description = "relay frame: write text token")]
    public int WriteTextToken() => _writer.WriteText(" Friday,", last: false).Length;
}
