using System.Globalization;
using System.Text;
using System.Text.Json;
using AgentOS.Voice.TestSupport;
using AgentOS.Voice.Twilio.ConversationRelay;

namespace AgentOS.Voice.Core.Tests.ConversationRelay;

public class RelayMessageParserTests
{
    private static readonly JsonElement Vectors = RepoPaths.Vectors("conversation-relay.json");

    public static TheoryData<string> FromTwilioNames() => Names("fromTwilio");

    public static TheoryData<string> MalformedNames() => Names("malformedFromTwilio");

    [Theory]
    [MemberData(nameof(FromTwilioNames))]
    public void Every_documented_message_is_understood_with_its_fields(string name)
    {
        var json = Find("fromTwilio", name).GetProperty("json");
        var result = RelayMessageParser.Parse(Encoding.UTF8.GetBytes(json.GetRawText()));

        Assert.True(result.Succeeded, result.Failure);
        var type = json.GetProperty("type").GetString()!;
        if (result.Message is UnknownMessage unknown)
        {
            // An unknown type's other fields are not ours to interpret; only its type name is kept.
            Assert.Equal(type, unknown.Type);
            Assert.DoesNotContain(type, new[] { "setup", "prompt", "dtmf", "interrupt", "error", "info" });
            return;
        }

        foreach (var property in json.EnumerateObject().Where(p => p.Name != "type"))
        {
            var actual = FieldOf(result.Message!, property.Name);
            switch (property.Value.ValueKind)
            {
                case JsonValueKind.Object:
                    var parameters = Assert.IsAssignableFrom<IReadOnlyDictionary<string, string>>(actual);
                    Assert.Equal(property.Value.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!), parameters);
                    break;
                case JsonValueKind.Number:
                    Assert.Equal(property.Value.GetDouble(), Assert.IsType<double>(actual));
                    break;
                case JsonValueKind.True or JsonValueKind.False:
                    Assert.Equal(property.Value.GetBoolean(), Assert.IsType<bool>(actual));
                    break;
                default:
                    var expected = property.Value.GetString()!;
                    Assert.Equal(
                        property.Name == "durationUntilInterruptMs" ? (object)double.Parse(expected, CultureInfo.InvariantCulture) : expected,
                        actual);
                    break;
            }
        }
    }

    [Theory]
    [MemberData(nameof(MalformedNames))]
    public void Every_malformed_frame_is_rejected_with_a_reason(string name)
    {
        var text = Find("malformedFromTwilio", name).GetProperty("text").GetString()!;

        var result = RelayMessageParser.Parse(Encoding.UTF8.GetBytes(text));

        Assert.False(result.Succeeded);
        Assert.Null(result.Message);
        Assert.False(string.IsNullOrWhiteSpace(result.Failure));
    }

    [Fact]
    public void Setup_without_custom_parameters_has_an_empty_set()
    {
        var setup = Assert.IsType<SetupMessage>(Parse("""{"type":"setup","callSid":"CA1"}""").Message);
        Assert.Empty(setup.CustomParameters);
        Assert.Equal("CA1", setup.CallSid);
    }

    [Theory]
    [InlineData("""{"type":"interrupt","utteranceUntilInterrupt":"Sure","durationUntilInterruptMs":460.5}""", 460.5)]
    [InlineData("""{"type":"interrupt","utteranceUntilInterrupt":"Sure","durationUntilInterruptMs":"12.25"}""", 12.25)]
    [InlineData("""{"durationUntilInterruptMs":"7","utteranceUntilInterrupt":"Sure","type":"interrupt"}""", 7.0)]
    public void Interrupt_duration_may_be_fractional_a_string_or_come_before_the_type(string json, double expected)
    {
        var interrupt = Assert.IsType<InterruptMessage>(Parse(json).Message);
        Assert.Equal(expected, interrupt.DurationUntilInterruptMs);
        Assert.Equal("Sure", interrupt.UtteranceUntilInterrupt);
    }

    [Fact]
    public void Info_values_of_any_kind_are_kept_as_text()
    {
        var info = Assert.IsType<InfoMessage>(Parse("""{"type":"info","name":"roundTripDelayMs","value":{"ms":12},"timestamp":1}""").Message);
        Assert.Equal("roundTripDelayMs", info.Name);
        Assert.Equal("""{"ms":12}""", info.Value);

        var numeric = Assert.IsType<InfoMessage>(Parse("""{"type":"info","name":"x","value":42}""").Message);
        Assert.Equal("42", numeric.Value);
    }

    [Fact]
    public void Unknown_fields_and_nested_values_are_skipped()
    {
        var prompt = Assert.IsType<PromptMessage>(Parse("""{"type":"prompt","agentSpeaking":{"a":[1,{"b":2}]},"voicePrompt":"Hi","last":true}""").Message);
        Assert.Equal("Hi", prompt.VoicePrompt);
    }

    [Theory]
    [InlineData("""{"type":"prompt","voicePrompt":5}""")]
    [InlineData("""{"type":"dtmf"}""")]
    [InlineData("""{"type":"dtmf","digit":"x"}""")]
    [InlineData("""{"type":"prompt","voicePrompt":"Hi"} {"type":"prompt"}""")]
    [InlineData("""{"type":null}""")]
    [InlineData("\"prompt\"")]
    public void Other_bad_frames_are_rejected_too(string text)
    {
        Assert.False(Parse(text).Succeeded);
    }

    private static RelayParseResult Parse(string text) => RelayMessageParser.Parse(Encoding.UTF8.GetBytes(text));

    private static object? FieldOf(RelayMessage message, string field) => (message, field) switch
    {
        (SetupMessage s, "sessionId") => s.SessionId,
        (SetupMessage s, "accountSid") => s.AccountSid,
        (SetupMessage s, "parentCallSid") => s.ParentCallSid,
        (SetupMessage s, "callSid") => s.CallSid,
        (SetupMessage s, "from") => s.From,
        (SetupMessage s, "to") => s.To,
        (SetupMessage s, "forwardedFrom") => s.ForwardedFrom,
        (SetupMessage s, "callType") => s.CallType,
        (SetupMessage s, "callerName") => s.CallerName,
        (SetupMessage s, "direction") => s.Direction,
        (SetupMessage s, "callStatus") => s.CallStatus,
        (SetupMessage s, "customParameters") => s.CustomParameters,
        (PromptMessage p, "voicePrompt") => p.VoicePrompt,
        (PromptMessage p, "lang") => p.Lang,
        (PromptMessage p, "last") => p.Last,
        (DtmfMessage d, "digit") => d.Digit,
        (InterruptMessage i, "utteranceUntilInterrupt") => i.UtteranceUntilInterrupt,
        (InterruptMessage i, "durationUntilInterruptMs") => i.DurationUntilInterruptMs,
        (ErrorMessage e, "description") => e.Description,
        (InfoMessage i, "name") => i.Name,
        (InfoMessage i, "value") => i.Value,
        _ => throw new InvalidOperationException($"{message.GetType().Name} has no field {field}"),
    };

    private static JsonElement Find(string section, string name) =>
        Vectors.GetProperty(section).EnumerateArray().Single(v => v.GetProperty("name").GetString() == name);

    private static TheoryData<string> Names(string section)
    {
        var data = new TheoryData<string>();
        foreach (var v in Vectors.GetProperty(section).EnumerateArray())
        {
            data.Add(v.GetProperty("name").GetString()!);
        }

        return data;
    }
}
