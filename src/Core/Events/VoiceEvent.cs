using System.Text.Json.Serialization;

namespace AgentOS.Voice.Events;

/// <summary>
/// One event as it goes on the wire: a CloudEvents 1.0 JSON envelope (docs/events.md is the contract) with our
/// extension attributes <c>schemaversion</c>, <c>agentid</c> and, per kind, <c>callid</c> or <c>messageid</c>.
/// Made on the caller's path, serialized later on the publisher's, so it holds only what was known at the time.
/// </summary>
public sealed record VoiceEvent
{
    /// <summary>Bumped when a field changes meaning or goes away; new fields do not bump it.</summary>
    public const string CurrentSchemaVersion = "1";

    [JsonPropertyName("specversion")]
    public string SpecVersion => "1.0";

    [JsonPropertyName("id")]
    public required string Id { get; init; }

    /// <summary><c>/agents/{agentId}</c>: the agent the call or message belongs to.</summary>
    [JsonPropertyName("source")]
    public string Source => "/agents/" + AgentId;

    [JsonPropertyName("type")]
    public required string Type { get; init; }

    [JsonPropertyName("time")]
    public required DateTimeOffset Time { get; init; }

    /// <summary><c>calls/{callId}</c> or <c>messages/{messageId}</c>.</summary>
    [JsonPropertyName("subject")]
    public string Subject => CallId is not null ? "calls/" + CallId : "messages/" + MessageId;

    [JsonPropertyName("datacontenttype")]
    public string DataContentType => "application/json";

    [JsonPropertyName("schemaversion")]
    public string SchemaVersion => CurrentSchemaVersion;

    [JsonPropertyName("agentid")]
    public required string AgentId { get; init; }

    [JsonPropertyName("callid"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? CallId { get; init; }

    [JsonPropertyName("messageid"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? MessageId { get; init; }

    /// <summary>One of the records in VoiceEventData.cs, matching <see cref="Type"/>.</summary>
    [JsonPropertyName("data")]
    public required object Data { get; init; }

    /// <summary>The Web PubSub groups it goes to: the agent's, and the call's for call events.</summary>
    [JsonIgnore]
    public IEnumerable<string> Groups
    {
        get
        {
            yield return EventGroups.Agent(AgentId);
            if (CallId is not null)
            {
                yield return EventGroups.Call(CallId);
            }
        }
    }

    public static VoiceEvent ForCall(string type, string agentId, string callId, DateTimeOffset time, object data) => new()
    {
        Id = Guid.CreateVersion7(time).ToString("N"),
        Type = type,
        Time = time,
        AgentId = agentId,
        CallId = callId,
        Data = data,
    };

    public static VoiceEvent ForMessage(string type, string agentId, string messageId, DateTimeOffset time, object data) => new()
    {
        Id = Guid.CreateVersion7(time).ToString("N"),
        Type = type,
        Time = time,
        AgentId = agentId,
        MessageId = messageId,
        Data = data,
    };
}

/// <summary>Web PubSub group names; the negotiate endpoint grants joining exactly these.</summary>
public static class EventGroups
{
    /// <summary>Every event of the agent's calls and messages.</summary>
    public static string Agent(string agentId) => "agent." + agentId;

    /// <summary>Every event of one call.</summary>
    public static string Call(string callId) => "call." + callId;
}
