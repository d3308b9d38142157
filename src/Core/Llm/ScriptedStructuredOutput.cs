using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;

namespace AgentOS.Voice.Llm;

/// <summary>
/// How the scripted model answers a structured-output request (an outcome summary), deterministically: the summary
/// repeats the request's first line and the caller's last words; each field takes the same-named value from the
/// tool answers in the transcript (lines "Tool answer name: … → {json}"), else false for booleans and null otherwise.
/// </summary>
internal static class ScriptedStructuredOutput
{
    public static string Fill(JsonElement schema, IEnumerable<ChatMessage> messages)
    {
        var lines = messages.Where(m => m.Role == ChatRole.User).SelectMany(m => m.Text.Split('\n')).ToList();
        var lastCaller = lines.LastOrDefault(l => l.StartsWith("Caller: ", StringComparison.Ordinal))?["Caller: ".Length..];
        var summary = $"Scripted summary. {lines.FirstOrDefault()?.Trim()}" + (lastCaller is null ? string.Empty : $" The caller's last words: \"{lastCaller}\".");

        var answer = new JsonObject { ["summary"] = summary };
        if (schema.TryGetProperty("properties", out var properties) && properties.TryGetProperty("fields", out var fieldsSchema))
        {
            var toolValues = ToolAnswerValues(lines);
            var fields = new JsonObject();
            if (fieldsSchema.TryGetProperty("properties", out var fieldProperties) && fieldProperties.ValueKind == JsonValueKind.Object)
            {
                foreach (var field in fieldProperties.EnumerateObject())
                {
                    fields[field.Name] = toolValues.TryGetValue(field.Name, out var value) ? value?.DeepClone()
                        : field.Value.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "boolean" ? false
                        : null;
                }
            }

            answer["fields"] = fields;
        }

        return answer.ToJsonString();
    }

    private static Dictionary<string, JsonNode?> ToolAnswerValues(IEnumerable<string> lines)
    {
        var values = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var line in lines.Where(l => l.StartsWith("Tool answer ", StringComparison.Ordinal)))
        {
            var arrow = line.LastIndexOf(" → ", StringComparison.Ordinal);
            try
            {
                if (arrow > 0 && JsonNode.Parse(line[(arrow + 3)..]) is JsonObject answer)
                {
                    foreach (var (name, value) in answer)
                    {
                        values[name] = value;
                    }
                }
            }
            catch (JsonException)
            {
                // A failed tool's line is not JSON: it fills nothing.
            }
        }

        return values;
    }
}
