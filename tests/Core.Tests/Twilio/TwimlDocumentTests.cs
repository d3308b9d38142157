using System.Text;
using System.Xml.Linq;
using AgentOS.Voice.TestSupport;
using AgentOS.Voice.Twilio.Twiml;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Twilio.TwiML;
using Twilio.TwiML.Voice;
using TwimlConversationRelay = Twilio.TwiML.Voice.ConversationRelay;
using TwimlStream = Twilio.TwiML.Voice.Stream;

namespace AgentOS.Voice.Core.Tests.Twilio;

/// <summary>
/// TwiML as the SDK writes it through <see cref="TwimlDocument"/>: the reference shapes, escaping, and text the writer
/// cannot carry, stripped by <see cref="XmlText.Strip"/> where builders take user text.
/// </summary>
public class TwimlDocumentTests
{
    private const string Declaration = "<?xml version=\"1.0\" encoding=\"utf-8\"?>";

    // The same documents as the reference vectors, built with the SDK; keyed by the vector's name.
    private static readonly Dictionary<string, Func<VoiceResponse>> Builders = new()
    {
        ["one-way message with record"] = () => new VoiceResponse()
            .Play(new Uri("https://store.example.com/audio/msg-1.wav?sv=2026-10-06&sig=a%2Bb"))
            .Record(maxLength: 120, action: new Uri("https://voice.example.com/agents/agent-1/recording-complete"), playBeep: true),
        ["inbound conversation relay"] = () =>
        {
            var relay = new TwimlConversationRelay(
                url: "wss://voice.example.com/agents/agent-1/ws",
                welcomeGreeting: "Hi & welcome <Sarah>, \"quotes\" and 'apostrophes'",
                ttsProvider: "ElevenLabs",
                voice: "cgSgspJ2msm6clMCkdW9",
                language: "en-US",
                transcriptionProvider: "Deepgram",
                interruptible: "any",
                dtmfDetection: true,
                profanityFilter: true);
            relay.Parameter(name: "callId", value: "c-123");
            relay.Language(code: "es-ES", ttsProvider: "ElevenLabs", voice: "abc123");
            return new VoiceResponse().Append(new Connect(action: new Uri("https://voice.example.com/agents/agent-1/relay-action")).Append(relay));
        },
        ["unknown agent apology"] = () => new VoiceResponse().Say("Sorry, this number is not in service.", voice: "Polly.Joanna").Hangup(),
        ["transfer to human"] = () => new VoiceResponse().Append(new Dial(callerId: "+15005550006", timeout: 30).Number("+14155550123")),
        ["media stream"] = () =>
        {
            var stream = new TwimlStream(url: "wss://voice.example.com/agents/agent-1/media");
            stream.Parameter(name: "callId", value: "c-9");
            return new VoiceResponse().Append(new Connect().Append(stream));
        },
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

        var actual = Builders[name]().ToTwiml();

        XmlEquivalence.AssertEquivalent(expected, actual);
        Assert.StartsWith(Declaration + "<Response>", actual, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', actual);
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
        var response = new VoiceResponse()
            .Say(greeting, language: "de-DE")
            .Append(new Connect().Append(new TwimlConversationRelay(url: "wss://relay.example.com/ws", welcomeGreeting: greeting)));

        var parsed = XDocument.Parse(response.ToTwiml());

        Assert.Equal(greeting, parsed.Root!.Element("Say")!.Value);
        Assert.Equal(greeting, parsed.Root.Element("Connect")!.Element("ConversationRelay")!.Attribute("welcomeGreeting")!.Value);
        Assert.Single(parsed.Root.Elements("Say"));
    }

    [Fact]
    public void A_local_ws_relay_url_is_written_as_given()
    {
        var xml = new VoiceResponse().Append(new Connect().Append(new TwimlConversationRelay(url: "ws://127.0.0.1:24003/agents/a/ws"))).ToTwiml();

        Assert.Equal("ws://127.0.0.1:24003/agents/a/ws", XDocument.Parse(xml).Root!.Element("Connect")!.Element("ConversationRelay")!.Attribute("url")!.Value);
    }

    [Theory]
    [InlineData("Hello\u0001 there", "Hello there")]
    [InlineData("bell\u0007 and \u001B escape", "bell and  escape")]
    [InlineData("not a char \uFFFE\uFFFF", "not a char ")]
    [InlineData("tab\tnew\nline\r kept, 👋 and ü kept", "tab\tnew\nline\r kept, 👋 and ü kept")]
    public void Strip_drops_what_xml_cannot_carry_and_keeps_the_rest(string raw, string clean)
    {
        Assert.Equal(clean, XmlText.Strip(raw));
        Assert.Equal(clean.ReplaceLineEndings("\n"), XDocument.Parse(new VoiceResponse().Say(XmlText.Strip(raw)).ToTwiml()).Root!.Value);
    }

    // Not theory data: the test runner's serialization would turn lone surrogates into U+FFFD.
    [Fact]
    public void Strip_drops_lone_and_reversed_surrogates_and_keeps_pairs()
    {
        Assert.Equal("half  a pair", XmlText.Strip("half \uD800 a pair"));
        Assert.Equal("trailing half ", XmlText.Strip("trailing half \uDBFF"));
        Assert.Equal("reversed  pair", XmlText.Strip("reversed \uDC00\uD800 pair"));
        Assert.Equal("pair \uD83D\uDC4B kept", XmlText.Strip("pair \uD83D\uDC4B kept"));
        Assert.Equal("Hi there 👋", XDocument.Parse(new VoiceResponse().Say(XmlText.Strip("Hi\uD800 there 👋")).ToTwiml()).Root!.Value);
    }

    [Fact]
    public void Without_cleaning_the_sdks_writer_throws_on_a_control_character()
    {
        var error = Assert.Throws<ArgumentException>(() => new VoiceResponse().Say("Hello\u0001").ToTwiml());

        Assert.Contains("0x01", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Clean_text_is_returned_as_the_same_instance()
    {
        const string text = "Nothing to strip here.";

        Assert.Same(text, XmlText.Strip(text));
    }

    [Fact]
    public async System.Threading.Tasks.Task As_an_http_result_it_is_utf8_text_xml()
    {
        var context = new DefaultHttpContext { RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider() };
        context.Response.Body = new MemoryStream();

        await new VoiceResponse().Say("Grüß Gott").ToHttpResult().ExecuteAsync(context);

        var bytes = ((MemoryStream)context.Response.Body).ToArray();
        Assert.Equal("text/xml; charset=utf-8", context.Response.ContentType);
        Assert.False(bytes.AsSpan().StartsWith(Encoding.UTF8.Preamble), "no byte-order mark");
        Assert.Equal("Grüß Gott", XDocument.Parse(Encoding.UTF8.GetString(bytes)).Root!.Value);
    }
}
