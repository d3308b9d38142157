using System.Text.Json;
using AgentOS.Voice.Twilio.ConversationRelay;

namespace AgentOS.Voice.Simulator.Relay;

/// <summary>The few fields of an app → Twilio message the caller acts on, read without building a DOM.</summary>
internal readonly record struct IncomingMessage(string? Type, string? Token, bool Last, string? HandoffData)
{
    public static IncomingMessage Parse(ReadOnlySpan<byte> json)
    {
        string? type = null, token = null, handoff = null;
        var last = false;
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return default;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.CurrentDepth != 1)
                {
                    reader.Skip();
                    continue;
                }

                if (reader.ValueTextEquals("type"u8))
                {
                    reader.Read();
                    type = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
                else if (reader.ValueTextEquals("token"u8))
                {
                    reader.Read();
                    token = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
                else if (reader.ValueTextEquals("last"u8))
                {
                    reader.Read();
                    last = reader.TokenType == JsonTokenType.True;
                }
                else if (reader.ValueTextEquals("handoffData"u8))
                {
                    // A string per the protocol; an app that sends an object is recorded verbatim so tests can see it.
                    reader.Read();
                    handoff = JsonValueText.Read(ref reader, json);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            // A malformed message is still recorded raw by the caller; it just carries no fields.
        }

        return new IncomingMessage(type, token, last, handoff);
    }
}
