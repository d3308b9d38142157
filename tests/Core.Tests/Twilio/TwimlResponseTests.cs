using System.Text;
using System.Xml.Linq;
using AgentOS.Voice.TestSupport;
using AgentOS.Voice.Twilio.Twiml;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace AgentOS.Voice.Core.Tests.Twilio;

public class TwimlResponseTests
{
    private const string Declaration = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";

    // The same documents as the reference vectors, built with our writer; keyed by the vector's name.
    private static readonly Dictionary<string, Func<TwimlResponse>> Builders = new()
    {
        ["one-way message with record"] = () => new TwimlResponse()
            .Play("https://store.example.com/audio/msg-1.wav?sv=2026-10-06&sig=a%2Bb")
            .Record(new RecordOptions
            {
                MaxLength = 120,
                Action = "https://voice.example.com/agents/agent-1/recording-complete",
                PlayBeep = true,
            }),
        ["inbound conversation relay"] = () => new TwimlResponse().ConnectConversationRelay(
            new ConversationRelayOptions("wss://voice.example.com/agents/agent-1/ws")
            {
                WelcomeGreeting = "Hi & welcome <Sarah>, \"quotes\" and 'apostrophes'",
                TtsProvider = "ElevenLabs",
                Voice = "cgSgspJ2msm6clMCkdW9",
                Language = "en-US",
                TranscriptionProvider = "Deepgram",
                Interruptible = RelayInputKind.Any,
                DtmfDetection = true,
                ProfanityFilter = true,
                Parameters = [new TwimlParameter("callId", "c-123")],
                Languages = [new RelayLanguage("es-ES") { TtsProvider = "ElevenLabs", Voice = "abc123" }],
            },
            new ConnectOptions { Action = "https://voice.example.com/agents/agent-1/relay-action" }),
        ["unknown agent apology"] = () => new TwimlResponse()
            .Say("Sorry, this number is not in service.", new SayOptions { Voice = "Polly.Joanna" })
            .Hangup(),
        ["transfer to human"] = () => new TwimlResponse()
            .Dial("+14155550123", new DialOptions { CallerId = "+15005550006", Timeout = 30 }),
        ["media stream"] = () => new TwimlResponse().ConnectStream(
            new StreamOptions("wss://voice.example.com/agents/agent-1/media") { Parameters = [new TwimlParameter("callId", "c-9")] }),
    };

    public static TheoryData<string> VectorNames()
    {
        var data = new TheoryData<string>();
        foreach (var c in RepoPaths.Vectors("twilio.json").GetProperty("twiml").EnumerateArray())
        {
            data.Add(c.GetProperty("name").GetString()!);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(VectorNames))]
    public void Matches_the_reference_vector_as_parsed_xml(string name)
    {
        var expected = RepoPaths.Vectors("twilio.json").GetProperty("twiml").EnumerateArray()
            .Single(c => c.GetProperty("name").GetString() == name).GetProperty("xml").GetString()!;
        Assert.True(Builders.ContainsKey(name), $"No builder for the vector '{name}': add one.");

        var actual = Builders[name]().ToXml();

        XmlEquivalence.AssertEquivalent(expected, actual);
        Assert.StartsWith(Declaration + "<Response>", actual, StringComparison.Ordinal);
    }

    [Fact]
    public void The_equivalence_helper_notices_a_changed_attribute_a_missing_child_and_changed_text()
    {
        const string doc = "<Response><Say voice=\"a\">hi</Say><Hangup/></Response>";
        Assert.NotNull(XmlEquivalence.FirstDifference(XElement.Parse(doc), XElement.Parse("<Response><Say voice=\"b\">hi</Say><Hangup/></Response>"), "/"));
        Assert.NotNull(XmlEquivalence.FirstDifference(XElement.Parse(doc), XElement.Parse("<Response><Say voice=\"a\">hi</Say></Response>"), "/"));
        Assert.NotNull(XmlEquivalence.FirstDifference(XElement.Parse(doc), XElement.Parse("<Response><Say voice=\"a\">ho</Say><Hangup/></Response>"), "/"));
        Assert.NotNull(XmlEquivalence.FirstDifference(XElement.Parse(doc), XElement.Parse("<Response><Say voice=\"a\" loop=\"2\">hi</Say><Hangup/></Response>"), "/"));
        Assert.Null(XmlEquivalence.FirstDifference(XElement.Parse(doc), XElement.Parse("<Response><Say  voice='a'>hi</Say><Hangup></Hangup></Response>"), "/"));
    }

    [Fact]
    public void Hostile_and_non_ascii_greetings_round_trip_exactly()
    {
        const string greeting = "Tom & Jerry <script>\"quoted\" 'single' > Grüß Gott — 你好 👋";
        var response = new TwimlResponse()
            .Say(greeting, new SayOptions { Language = "de-DE" })
            .ConnectConversationRelay(new ConversationRelayOptions("wss://relay.example.com/ws") { WelcomeGreeting = greeting });

        var bytes = response.ToUtf8Bytes();
        var parsed = XDocument.Parse(Encoding.UTF8.GetString(bytes));

        Assert.Equal(greeting, parsed.Root!.Element("Say")!.Value);
        Assert.Equal(greeting, parsed.Root.Element("Connect")!.Element("ConversationRelay")!.Attribute("welcomeGreeting")!.Value);
        Assert.False(bytes.AsSpan().StartsWith(Encoding.UTF8.Preamble), "no byte-order mark");
        Assert.StartsWith(Declaration, Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
        Assert.Single(parsed.Root.Elements("Say"));
    }

    [Fact]
    public async Task As_an_http_result_it_is_utf8_text_xml()
    {
        var context = new DefaultHttpContext { RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider() };
        context.Response.Body = new MemoryStream();

        await new TwimlResponse().Say("Grüß Gott").ToHttpResult().ExecuteAsync(context);

        Assert.Equal("text/xml; charset=utf-8", context.Response.ContentType);
        Assert.Equal("Grüß Gott", XDocument.Parse(Encoding.UTF8.GetString(((MemoryStream)context.Response.Body).ToArray())).Root!.Value);
    }

    [Fact]
    public void A_stream_url_with_a_query_is_rejected_with_the_reason()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            new TwimlResponse().ConnectStream(new StreamOptions("wss://voice.example.com/media?callId=c-1")));

        Assert.Contains("query", error.Message, StringComparison.Ordinal);
        Assert.Contains("31920", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_set_attributes_are_written_and_booleans_are_lowercase()
    {
        var xml = new TwimlResponse().ConnectConversationRelay(new ConversationRelayOptions("wss://r.example.com/ws")
        {
            Preemptible = false,
            DeepgramSmartFormat = true,
            InterruptSensitivity = RelayInterruptSensitivity.Medium,
            ReportInputDuringAgentSpeech = RelayInputKind.None,
            ElevenlabsTextNormalization = RelayTextNormalization.On,
            Hints = ["AgentOS", "Twilio"],
            Debug = ["debugging", "tokens-played"],
            SpeechTimeoutMs = 1200,
            EotThreshold = 0.7,
        }).ToXml();

        var relay = XDocument.Parse(xml).Root!.Element("Connect")!.Element("ConversationRelay")!;
        var attributes = relay.Attributes().ToDictionary(a => a.Name.LocalName, a => a.Value);
        Assert.Equal(new Dictionary<string, string>
        {
            ["url"] = "wss://r.example.com/ws",
            ["preemptible"] = "false",
            ["deepgramSmartFormat"] = "true",
            ["interruptSensitivity"] = "medium",
            ["reportInputDuringAgentSpeech"] = "none",
            ["elevenlabsTextNormalization"] = "on",
            ["hints"] = "AgentOS,Twilio",
            ["debug"] = "debugging tokens-played",
            ["speechTimeout"] = "1200",
            ["eotThreshold"] = "0.7",
        }, attributes);
        Assert.Null(relay.Parent!.Attribute("action"));
    }

    [Fact]
    public void Every_verb_writes_its_attributes()
    {
        var xml = new TwimlResponse()
            .Say("hi", new SayOptions { Voice = "alice", Language = "en-GB", Loop = 2 })
            .Play("https://a.example.com/x.wav", new PlayOptions { Loop = 0, Digits = "1w2" })
            .Play(null, new PlayOptions { Digits = "9" })
            .Pause(3)
            .Record(new RecordOptions
            {
                Action = "https://a.example.com/rec", Method = HttpMethod.Get, Timeout = 5, FinishOnKey = "#", MaxLength = 60,
                PlayBeep = false, Trim = RecordTrim.DoNotTrim, RecordingStatusCallback = "https://a.example.com/rs",
                RecordingStatusCallbackMethod = HttpMethod.Post, RecordingStatusCallbackEvent = ["in-progress", "completed"],
                Transcribe = true,
            })
            .Dial(["+1", "+2"], new DialOptions
            {
                Action = "https://a.example.com/d", Method = HttpMethod.Post, AnswerOnBridge = true, TimeLimit = 600,
                Record = "record-from-answer",
            })
            .ConnectStream(
                new StreamOptions("wss://a.example.com/s") { Name = "s1", StatusCallback = "https://a.example.com/sc", StatusCallbackMethod = HttpMethod.Post },
                new ConnectOptions { Action = "https://a.example.com/c", Method = HttpMethod.Get })
            .Redirect("https://a.example.com/next", HttpMethod.Post)
            .Hangup()
            .ToXml();

        const string expected = """
            <Response>
              <Say voice="alice" language="en-GB" loop="2">hi</Say>
              <Play loop="0" digits="1w2">https://a.example.com/x.wav</Play>
              <Play digits="9"/>
              <Pause length="3"/>
              <Record action="https://a.example.com/rec" method="GET" timeout="5" finishOnKey="#" maxLength="60" playBeep="false"
                trim="do-not-trim" recordingStatusCallback="https://a.example.com/rs" recordingStatusCallbackMethod="POST"
                recordingStatusCallbackEvent="in-progress completed" transcribe="true"/>
              <Dial action="https://a.example.com/d" method="POST" answerOnBridge="true" timeLimit="600" record="record-from-answer"><Number>+1</Number><Number>+2</Number></Dial>
              <Connect action="https://a.example.com/c" method="GET"><Stream url="wss://a.example.com/s" name="s1" statusCallback="https://a.example.com/sc" statusCallbackMethod="POST"/></Connect>
              <Redirect method="POST">https://a.example.com/next</Redirect>
              <Hangup/>
            </Response>
            """;
        XmlEquivalence.AssertEquivalent(expected, xml);
    }

    [Fact]
    public void Bad_arguments_fail_when_the_verb_is_added()
    {
        Assert.Throws<ArgumentException>(() => new TwimlResponse().Dial([]));
        Assert.Throws<ArgumentException>(() => new TwimlResponse().Play(null));
        Assert.Throws<ArgumentException>(() => new TwimlResponse().Play("ftp://a.example.com/x.wav"));
        Assert.Throws<ArgumentException>(() => new TwimlResponse().ConnectConversationRelay(new ConversationRelayOptions("https://r.example.com/ws")));
        Assert.Throws<ArgumentException>(() => new TwimlResponse().Redirect("https://a.example.com", HttpMethod.Put));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TwimlResponse().ConnectConversationRelay(
            new ConversationRelayOptions("wss://r.example.com/ws") { SpeechTimeoutMs = 100 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TwimlResponse().Pause(-1));
    }

    [Fact]
    public void Characters_XML_cannot_hold_are_stripped_from_text_attributes_and_parameters_so_stored_text_never_breaks_a_call()
    {
        var xml = new TwimlResponse()
            .Say("Hel\u0000lo\u000B \uFFFE😀\uD800")
            .ConnectConversationRelay(new ConversationRelayOptions("wss://r.example.com/ws")
            {
                WelcomeGreeting = "Hi \u0001there",
                Parameters = [new TwimlParameter("name", "Ada\u001F")],
            })
            .ToXml();

        var root = XDocument.Parse(xml).Root!;
        Assert.Equal("Hello 😀", root.Element("Say")!.Value);
        var relay = root.Element("Connect")!.Element("ConversationRelay")!;
        Assert.Equal("Hi there", (string?)relay.Attribute("welcomeGreeting"));
        Assert.Equal("Ada", (string?)relay.Element("Parameter")!.Attribute("value"));
    }

    [Fact]
    public void Valid_text_is_kept_as_it_is() =>
        Assert.Same("Tab\tnew\r\nline 😀", XmlText.Strip("Tab\tnew\r\nline 😀"));
}
