using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using AgentOS.Voice.TestSupport;
using AgentOS.Voice.Twilio.ConversationRelay;

namespace AgentOS.Voice.Core.Tests.ConversationRelay;

public class RelayFrameWriterTests
{
    private static readonly JsonElement Vectors = RepoPaths.Vectors("conversation-relay.json");

    [Fact]
    public void Every_documented_app_message_is_reproduced()
    {
        using var writer = new RelayFrameWriter();
        var vectors = Vectors.GetProperty("toTwilio").EnumerateArray().ToList();
        Assert.NotEmpty(vectors);

        foreach (var vector in vectors)
        {
            var json = vector.GetProperty("json");
            var frame = Write(writer, json);
            Assert.True(
                JsonNode.DeepEquals(JsonNode.Parse(json.GetRawText()), JsonNode.Parse(frame.Span)),
                $"{vector.GetProperty("name").GetString()}: wrote {System.Text.Encoding.UTF8.GetString(frame.Span)}");
        }
    }

    [Fact]
    public void Invalid_app_messages_cannot_be_produced()
    {
        using var writer = new RelayFrameWriter();
        var names = Vectors.GetProperty("invalidToTwilio").EnumerateArray().Select(v => v.GetProperty("json").GetProperty("type").GetString()).ToList();
        Assert.Equal(["text", "end", "language"], names);

        // text without token: the token is a required parameter, and a null string is written as an empty token, never omitted.
        var text = JsonNode.Parse(writer.WriteText(null, last: false).Span)!;
        Assert.Equal(string.Empty, (string?)text["token"]);

        // end with an object as handoffData: objects go through the overload that encodes them as a JSON string.
        var end = JsonNode.Parse(writer.WriteEnd(new Handoff("live-agent-handoff"), TestJson.Default.Handoff).Span)!;
        Assert.Equal(JsonValueKind.String, end["handoffData"]!.GetValueKind());
        Assert.Equal("live-agent-handoff", (string?)JsonNode.Parse((string)end["handoffData"]!)!["reasonCode"]);

        // language with neither field.
        Assert.Throws<ArgumentException>(() => writer.WriteLanguage(null, null));
        Assert.Throws<ArgumentException>(() => writer.WriteLanguage(" ", ""));
    }

    [Theory]
    [InlineData("")]
    [InlineData("12a")]
    [InlineData("1 2")]
    public void Digits_outside_the_keypad_alphabet_are_refused(string digits)
    {
        using var writer = new RelayFrameWriter();
        Assert.Throws<ArgumentException>(() => writer.WriteSendDigits(digits));
    }

    [Fact]
    public void Tokens_keep_their_spaces_and_non_ascii_text_and_the_buffer_is_reused()
    {
        using var writer = new RelayFrameWriter();
        var first = JsonNode.Parse(writer.WriteText(" ¿Qué tal? \"bien\" ", last: false).Span)!;
        Assert.Equal(" ¿Qué tal? \"bien\" ", (string?)first["token"]);

        var second = writer.WriteText("x", last: true);
        Assert.Equal("""{"type":"text","token":"x","last":true}""", System.Text.Encoding.UTF8.GetString(second.Span));
    }

    private static ReadOnlyMemory<byte> Write(RelayFrameWriter writer, JsonElement json)
    {
        string? Str(string name) => json.TryGetProperty(name, out var v) ? v.GetString() : null;
        bool? Bool(string name) => json.TryGetProperty(name, out var v) ? v.GetBoolean() : null;
        return json.GetProperty("type").GetString() switch
        {
            "text" => writer.WriteText(Str("token"), Bool("last") ?? false, Str("lang"), Bool("interruptible"), Bool("preemptible")),
            "play" => writer.WritePlay(new Uri(Str("source")!), json.GetProperty("loop").GetInt32(), Bool("preemptible"), Bool("interruptible")),
            "sendDigits" => writer.WriteSendDigits(Str("digits")!),
            "language" => writer.WriteLanguage(Str("ttsLanguage"), Str("transcriptionLanguage")),
            "end" => writer.WriteEnd(Str("handoffData")),
            var other => throw new InvalidOperationException($"no writer for {other}"),
        };
    }
}

public sealed record Handoff(string ReasonCode);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(Handoff))]
internal sealed partial class TestJson : JsonSerializerContext;
