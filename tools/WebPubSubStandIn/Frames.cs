using System.Buffers;
using System.Text.Json;

namespace AgentOS.Voice.WebPubSubStandIn;

/// <summary>The service → client frames of the json.webpubsub.azure.v1 subprotocol.</summary>
internal static class Frames
{
    public static byte[] Connected(ClientConnection connection) => Write(w =>
    {
        w.WriteString("type", "system");
        w.WriteString("event", "connected");
        if (connection.UserId is not null)
        {
            w.WriteString("userId", connection.UserId);
        }

        w.WriteString("connectionId", connection.Id);
    });

    public static byte[] Ack(ulong ackId, string? errorName = null, string? errorMessage = null) => Write(w =>
    {
        w.WriteString("type", "ack");
        w.WriteNumber("ackId", ackId);
        w.WriteBoolean("success", errorName is null);
        if (errorName is not null)
        {
            w.WriteStartObject("error");
            w.WriteString("name", errorName);
            w.WriteString("message", errorMessage);
            w.WriteEndObject();
        }
    });

    /// <summary>A message from the server (REST send) or from a group member; <paramref name="data"/> as received.</summary>
    public static byte[] Message(string dataType, byte[] data, string? group = null, string? fromUserId = null) => Write(w =>
    {
        w.WriteString("type", "message");
        w.WriteString("from", group is null ? "server" : "group");
        if (group is not null)
        {
            w.WriteString("group", group);
            if (fromUserId is not null)
            {
                w.WriteString("fromUserId", fromUserId);
            }
        }

        w.WriteString("dataType", dataType);
        w.WritePropertyName("data");
        switch (dataType)
        {
            case "json":
                w.WriteRawValue(data); // validates: a body that is not JSON throws, and the caller answers 400
                break;
            case "text":
                w.WriteStringValue(data);
                break;
            default:
                w.WriteBase64StringValue(data);
                break;
        }
    });

    private delegate void Body(Utf8JsonWriter writer);

    private static byte[] Write(Body body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
