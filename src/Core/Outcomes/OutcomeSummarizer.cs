using System.Text;
using System.Text.Json;
using AgentOS.Voice.Agents;
using AgentOS.Voice.Llm;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace AgentOS.Voice.Outcomes;

/// <summary>
/// Asks the agent's model for a summary and the agent's outcome fields, through structured output: the response
/// format is a JSON schema <c>{summary: string, fields: &lt;the agent's outcomeSchema&gt;}</c>. A model that fails or
/// answers off-schema degrades to a note in the summary and no fields; the outcome is still made.
/// </summary>
public sealed partial class OutcomeSummarizer(ILlmClientProvider models, ILogger<OutcomeSummarizer> logger)
{
    /// <summary>The user message lists each tool answer on a line starting with this, so a reader (the scripted model too) can find them.</summary>
    public const string ToolAnswerPrefix = "Tool answer ";

    public const string Instructions =
        "You write the record of a finished phone call for the agent's owner. Reply with JSON only: \"summary\" is two or three " +
        "plain sentences on what the call achieved; \"fields\" fills the given schema from what was said and what the tools " +
        "answered, using null where the call did not tell.";

    public async Task<(string Summary, JsonElement? Fields)> SummarizeAsync(Agent agent, string header, IReadOnlyList<OutcomeTurn> transcript, CancellationToken cancellationToken)
    {
        var text = new StringBuilder(header).Append('\n');
        foreach (var turn in transcript)
        {
            text.Append('\n').Append(turn.Tool is null ? $"{turn.Role}: " : $"{ToolAnswerPrefix}{turn.Tool}: ").Append(turn.Text);
            if (turn.Interrupted)
            {
                text.Append(" [interrupted]");
            }
        }

        var options = agent.Llm.ToChatOptions();
        options.MaxOutputTokens = Math.Max(options.MaxOutputTokens ?? 0, 600);
        options.ResponseFormat = ChatResponseFormat.ForJsonSchema(ResponseSchema(agent.OutcomeSchema), "call_outcome", "Summary and fields of a finished call.");
        try
        {
            var response = await models.GetClient(agent).GetResponseAsync(
                [new ChatMessage(ChatRole.System, Instructions), new ChatMessage(ChatRole.User, text.ToString())], options, cancellationToken);
            using var json = JsonDocument.Parse(response.Text);
            var summary = json.RootElement.TryGetProperty("summary", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString()! : string.Empty;
            JsonElement? fields = agent.OutcomeSchema is not null && json.RootElement.TryGetProperty("fields", out var f) && f.ValueKind == JsonValueKind.Object
                ? f.Clone()
                : null;
            return (summary, fields);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogFailed(e, agent.Id);
            return ($"(No summary: the model failed: {e.GetType().Name}.)", null);
        }
    }

    private static JsonElement ResponseSchema(JsonElement? fields)
    {
        var json = "{\"type\":\"object\",\"properties\":{\"summary\":{\"type\":\"string\"}" +
                   (fields is { } f ? ",\"fields\":" + f.GetRawText() : string.Empty) +
                   "},\"required\":[" + (fields is null ? "\"summary\"" : "\"summary\",\"fields\"") + "],\"additionalProperties\":false}";
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.Clone();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Agent {AgentId}: the outcome summary failed; the outcome carries no fields")]
    private partial void LogFailed(Exception e, string agentId);
}
