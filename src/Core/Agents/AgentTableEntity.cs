using System.Text.Json;
using Azure.Data.Tables;

namespace AgentOS.Voice.Agents;

/// <summary>
/// Maps an agent to one table row. Scalars are columns of their own so they can be read in the portal or queried;
/// nested parts (languages, DTMF menu, LLM settings, script, tools, outcome schema) are JSON string columns, since Table Storage has no nesting.
/// </summary>
internal static class AgentTableEntity
{
    /// <summary>One partition: agents are few, and listing them all is the common read besides a point lookup.</summary>
    public const string PartitionKey = "agent";

    public static TableEntity ToEntity(Agent agent) => new(PartitionKey, agent.Id)
    {
        [nameof(Agent.Name)] = agent.Name,
        [nameof(Agent.PhoneNumber)] = agent.PhoneNumber,
        [nameof(Agent.Voice)] = agent.Voice,
        [nameof(Agent.Language)] = agent.Language,
        [nameof(Agent.OtherLanguages)] = Json(agent.OtherLanguages),
        [nameof(Agent.Greeting)] = agent.Greeting,
        [nameof(Agent.SystemPrompt)] = agent.SystemPrompt,
        [nameof(Agent.Llm)] = Json(agent.Llm),
        [nameof(Agent.TransferNumber)] = agent.TransferNumber,
        [nameof(Agent.DtmfMenu)] = Json(agent.DtmfMenu),
        [nameof(Agent.Recording)] = agent.Recording.ToString(),
        [nameof(Agent.Enabled)] = agent.Enabled,
        [nameof(Agent.TranscriptionProvider)] = agent.TranscriptionProvider,
        [nameof(Agent.TtsProvider)] = agent.TtsProvider,
        [nameof(Agent.Script)] = Json(agent.Script),
        [nameof(Agent.Tools)] = Json(agent.Tools),
        [nameof(Agent.OutcomeSchema)] = agent.OutcomeSchema?.GetRawText(),
        [nameof(Agent.OutcomeWebhookUrl)] = agent.OutcomeWebhookUrl,
        [nameof(Agent.PreemptiveGeneration)] = agent.PreemptiveGeneration,
        [nameof(Agent.WebhookSecret)] = agent.WebhookSecret,
        [nameof(Agent.CreatedAt)] = agent.CreatedAt,
        [nameof(Agent.UpdatedAt)] = agent.UpdatedAt,
    };

    public static Agent FromEntity(TableEntity e)
    {
        var defaults = new Agent { Id = e.RowKey, Name = string.Empty, PhoneNumber = string.Empty };
        return defaults with
        {
            Name = e.GetString(nameof(Agent.Name)) ?? string.Empty,
            PhoneNumber = e.GetString(nameof(Agent.PhoneNumber)) ?? string.Empty,
            Voice = e.GetString(nameof(Agent.Voice)) ?? defaults.Voice,
            Language = e.GetString(nameof(Agent.Language)) ?? defaults.Language,
            OtherLanguages = FromJson(e, nameof(Agent.OtherLanguages), defaults.OtherLanguages),
            Greeting = e.GetString(nameof(Agent.Greeting)) ?? defaults.Greeting,
            SystemPrompt = e.GetString(nameof(Agent.SystemPrompt)) ?? defaults.SystemPrompt,
            Llm = FromJson(e, nameof(Agent.Llm), defaults.Llm),
            TransferNumber = e.GetString(nameof(Agent.TransferNumber)),
            DtmfMenu = FromJson<IReadOnlyDictionary<string, DtmfAction>>(e, nameof(Agent.DtmfMenu), defaults.DtmfMenu),
            Recording = Enum.TryParse<RecordingPolicy>(e.GetString(nameof(Agent.Recording)), out var recording) ? recording : defaults.Recording,
            Enabled = e.GetBoolean(nameof(Agent.Enabled)) ?? defaults.Enabled,
            TranscriptionProvider = e.GetString(nameof(Agent.TranscriptionProvider)) ?? defaults.TranscriptionProvider,
            TtsProvider = e.GetString(nameof(Agent.TtsProvider)) ?? defaults.TtsProvider,
            Script = FromJson(e, nameof(Agent.Script), defaults.Script),
            Tools = FromJson(e, nameof(Agent.Tools), defaults.Tools),
            OutcomeSchema = e.GetString(nameof(Agent.OutcomeSchema)) is { Length: > 0 } schema ? JsonDocument.Parse(schema).RootElement.Clone() : null,
            OutcomeWebhookUrl = e.GetString(nameof(Agent.OutcomeWebhookUrl)),
            PreemptiveGeneration = e.GetBoolean(nameof(Agent.PreemptiveGeneration)) ?? false,
            WebhookSecret = e.GetString(nameof(Agent.WebhookSecret)),
            CreatedAt = e.GetDateTimeOffset(nameof(Agent.CreatedAt)) ?? default,
            UpdatedAt = e.GetDateTimeOffset(nameof(Agent.UpdatedAt)) ?? default,
        };
    }

    private static string Json<T>(T value) => JsonSerializer.Serialize(value, AgentJson.Options);

    private static T FromJson<T>(TableEntity e, string column, T fallback) =>
        e.GetString(column) is { Length: > 0 } json ? JsonSerializer.Deserialize<T>(json, AgentJson.Options) ?? fallback : fallback;
}
