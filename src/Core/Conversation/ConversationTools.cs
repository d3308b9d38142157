using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using AgentOS.Voice.Llm;
using Microsoft.Extensions.AI;

namespace AgentOS.Voice.Conversation;

/// <summary>
/// The tools a live call offers the model. They are declarations only: the session runs them itself when a
/// FunctionCallContent arrives in the stream, because running them has effects on the call (end, transfer, language).
/// </summary>
public static partial class ConversationTools
{
    // One set of names for every model, the scripted one included, so a script's tool calls reach the same handlers.
    public const string HandoffToHuman = LlmToolNames.Handoff;
    public const string EndCall = LlmToolNames.EndCall;
    public const string SwitchLanguage = LlmToolNames.SwitchLanguage;

    public static readonly AIFunctionDeclaration HandoffDeclaration = AIFunctionFactory.CreateDeclaration(
        HandoffToHuman,
        "Transfer the caller to a human. Use when the caller asks for a person or you cannot help.",
        Schema(LlmToolNames.ReasonArgument, "Why the caller needs a human, in a few words."));

    public static readonly AIFunctionDeclaration EndCallDeclaration = AIFunctionFactory.CreateDeclaration(
        EndCall,
        "End the call when the conversation is finished. The goodbye is spoken before hanging up.",
        Schema(LlmToolNames.GoodbyeArgument, "A short goodbye to say before hanging up."));

    public static readonly AIFunctionDeclaration SwitchLanguageDeclaration = AIFunctionFactory.CreateDeclaration(
        SwitchLanguage,
        "Switch speech and transcription to another language when the caller prefers it, then continue in that language.",
        Schema(LlmToolNames.LanguageArgument, "BCP-47 language tag, e.g. es-ES."));

    public static IList<AITool> All { get; } = [HandoffDeclaration, EndCallDeclaration, SwitchLanguageDeclaration];

    /// <summary>The built-in tools, then the agent's own HTTP tools declared with their JSON Schema parameters.</summary>
    public static IList<AITool> For(Agents.Agent agent) => agent.Tools.Count == 0
        ? All
        : [.. All, .. agent.Tools.Select(t => AIFunctionFactory.CreateDeclaration(t.Name, t.Description, t.Parameters))];

    /// <summary>A string argument whatever form the provider gave it in (string or JSON element).</summary>
    public static string? Argument(FunctionCallContent call, string name)
    {
        if (call.Arguments is null || !call.Arguments.TryGetValue(name, out var value) || value is null)
        {
            return null;
        }

        return value switch
        {
            string s => s,
            JsonElement { ValueKind: JsonValueKind.String } e => e.GetString(),
            JsonElement e => e.GetRawText(),
            _ => value.ToString(),
        };
    }

    /// <summary>The call's arguments as one JSON object, for the transcript.</summary>
    public static string ArgumentsJson(FunctionCallContent call)
    {
        var json = new StringBuilder("{");
        foreach (var (name, _) in call.Arguments ?? new Dictionary<string, object?>())
        {
            if (json.Length > 1)
            {
                json.Append(',');
            }

            var value = call.Arguments![name] is JsonElement { ValueKind: not JsonValueKind.String } e ? e.GetRawText() : null;
            json.Append(JsonSerializer.Serialize(name, ConversationJson.Default.String)).Append(':')
                .Append(value ?? (Argument(call, name) is { } text ? JsonSerializer.Serialize(text, ConversationJson.Default.String) : "null"));
        }

        return json.Append('}').ToString();
    }

    /// <summary>
    /// Identifies a call of a side-effect tool so a repeat (after an interrupted, repeated turn) returns the first result
    /// instead of acting twice: tool name plus arguments sorted by name, trimmed and case-folded.
    /// </summary>
    public static string IdempotencyKey(FunctionCallContent call)
    {
        var key = new StringBuilder(call.Name);
        if (call.Arguments is not null)
        {
            foreach (var name in call.Arguments.Keys.Order(StringComparer.Ordinal))
            {
                key.Append('|').Append(name).Append('=').Append(Argument(call, name)?.Trim().ToLowerInvariant());
            }
        }

        return key.ToString();
    }

    public static bool IsLanguageTag(string? value) => value is not null && LanguageTag().IsMatch(value);

    private static JsonElement Schema(string parameter, string description)
    {
        var json = "{\"type\":\"object\",\"properties\":{\"" + parameter + "\":{\"type\":\"string\",\"description\":" +
                   JsonSerializer.Serialize(description, ConversationJson.Default.String) + "}},\"required\":[\"" + parameter + "\"]}";
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.Clone();
    }

    [GeneratedRegex(@"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*\z")]
    private static partial Regex LanguageTag();
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
[System.Text.Json.Serialization.JsonSerializable(typeof(HandoffData))]
[System.Text.Json.Serialization.JsonSourceGenerationOptions(
    PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class ConversationJson : System.Text.Json.Serialization.JsonSerializerContext;

/// <summary>What the session sends as <c>handoffData</c> (JSON-encoded into a string) when it hands a call to a human.</summary>
public sealed record HandoffData(string ReasonCode, string Reason, string CallId, string AgentId)
{
    public const string LiveAgentHandoff = "live-agent-handoff";

    /// <summary>The JSON a hand-off to a live agent sends, for <paramref name="reason"/>.</summary>
    public static string LiveAgent(string reason, string callId, string agentId) => new HandoffData(LiveAgentHandoff, reason, callId, agentId).ToJson();

    public string ToJson() => JsonSerializer.Serialize(this, ConversationJson.Default.HandoffData);
}
