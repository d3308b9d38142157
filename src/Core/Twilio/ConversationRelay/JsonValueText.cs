using System.Text;
using System.Text.Json;

namespace AgentOS.Voice.Twilio.ConversationRelay;

/// <summary>
/// Reads the value a <see cref="Utf8JsonReader"/> sits on as text, whatever its kind: ConversationRelay fields that
/// should be strings (<c>info</c>'s value, <c>handoffData</c>) sometimes arrive as objects or numbers, and both our
/// parser and the phone simulator keep them verbatim rather than fail.
/// </summary>
public static class JsonValueText
{
    /// <summary>Strings as they are; null as null; numbers, booleans, objects and arrays as their JSON text.</summary>
    public static string? Read(ref Utf8JsonReader reader, ReadOnlySpan<byte> source)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return reader.GetString();
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.StartObject or JsonTokenType.StartArray:
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                // After Skip() the reader sits on the matching end token, so the raw value ends where it has read to.
                return Encoding.UTF8.GetString(source[start..(int)reader.BytesConsumed]);
            default:
                return Encoding.UTF8.GetString(reader.ValueSpan);
        }
    }
}
