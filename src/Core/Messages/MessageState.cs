using System.Text.Json.Serialization;

namespace AgentOS.Voice.Messages;

/// <summary>
/// Where a voice message is. Queued → rendering → calling → in-progress → one of the end states. The JSON names are
/// Twilio's call-status spellings so a record reads like the call it describes.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<MessageState>))]
public enum MessageState
{
    [JsonStringEnumMemberName("queued")]
    Queued,

    [JsonStringEnumMemberName("rendering")]
    Rendering,

    /// <summary>Claimed for calling: from here on the message is never called again.</summary>
    [JsonStringEnumMemberName("calling")]
    Calling,

    [JsonStringEnumMemberName("in-progress")]
    InProgress,

    [JsonStringEnumMemberName("completed")]
    Completed,

    [JsonStringEnumMemberName("busy")]
    Busy,

    [JsonStringEnumMemberName("no-answer")]
    NoAnswer,

    [JsonStringEnumMemberName("failed")]
    Failed,

    [JsonStringEnumMemberName("canceled")]
    Canceled,
}

public static class MessageStates
{
    public static bool IsFinal(this MessageState state) =>
        state is MessageState.Completed or MessageState.Busy or MessageState.NoAnswer or MessageState.Failed or MessageState.Canceled;

    /// <summary>Not yet claimed for a call: may still be rendered, claimed or canceled.</summary>
    public static bool IsBeforeCall(this MessageState state) => state is MessageState.Queued or MessageState.Rendering;

    /// <summary>The wire name ("in-progress"), as in the API and the history.</summary>
    public static string Name(this MessageState state) => state switch
    {
        MessageState.InProgress => "in-progress",
        MessageState.NoAnswer => "no-answer",
        _ => state.ToString().ToLowerInvariant(),
    };

    /// <summary>The message state a Twilio call status means; null for statuses that change nothing (queued, initiated, ringing).</summary>
    public static MessageState? FromCallStatus(string? callStatus) => callStatus switch
    {
        "in-progress" or "answered" => MessageState.InProgress,
        "completed" => MessageState.Completed,
        "busy" => MessageState.Busy,
        "no-answer" => MessageState.NoAnswer,
        "failed" => MessageState.Failed,
        "canceled" => MessageState.Canceled,
        _ => null,
    };
}
