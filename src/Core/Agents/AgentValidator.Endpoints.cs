using System.Text.Json;
using System.Text.RegularExpressions;
using AgentOS.Voice.Llm;
using AgentOS.Voice.Webhooks;

namespace AgentOS.Voice.Agents;

/// <summary>The agent's ties to its owner's systems: HTTP tools, the outcome schema and the outcome webhook.</summary>
public static partial class AgentValidator
{
    public const int MaxTools = 16;
    public const int MaxToolDescriptionLength = 1024;
    public const int MaxToolTimeoutSeconds = 10;
    public const int MaxSchemaCharacters = 16_000;

    private static readonly IReadOnlySet<string> SchemaTypes =
        new HashSet<string>(StringComparer.Ordinal) { "object", "array", "string", "number", "integer", "boolean", "null" };

    private static readonly IReadOnlySet<string> BuiltInTools =
        new HashSet<string>(StringComparer.Ordinal) { LlmToolNames.Handoff, LlmToolNames.EndCall, LlmToolNames.SwitchLanguage };

    // What OpenAI, Anthropic and Azure OpenAI all accept as a function name.
    [GeneratedRegex(@"^[A-Za-z0-9_-]{1,64}\z")]
    private static partial Regex ToolName();

    private static void CheckEndpoints(Errors errors, Agent agent, AgentEndpointOptions endpoints)
    {
        CheckTools(errors, agent, endpoints);
        if (agent.OutcomeSchema is { } schema && SchemaProblem(schema) is { } problem)
        {
            errors.Add("outcomeSchema", problem);
        }

        if (agent.OutcomeWebhookUrl is not null && endpoints.UrlProblem(agent.OutcomeWebhookUrl) is { } urlProblem)
        {
            errors.Add("outcomeWebhookUrl", "OutcomeWebhookUrl: " + urlProblem);
        }
    }

    private static void CheckTools(Errors errors, Agent agent, AgentEndpointOptions endpoints)
    {
        if (agent.Tools is null)
        {
            errors.Add("tools", "Tools must be a list (empty when there are none).");
            return;
        }

        if (agent.Tools.Count > MaxTools)
        {
            errors.Add("tools", $"An agent can have at most {MaxTools} tools.");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < agent.Tools.Count; i++)
        {
            var prefix = $"tools[{i}].";
            if (agent.Tools[i] is not { } tool)
            {
                errors.Add($"tools[{i}]", "A tool cannot be null.");
                continue;
            }

            if (tool.Name is null || !ToolName().IsMatch(tool.Name))
            {
                errors.Add(prefix + "name", "Name must be 1–64 letters, digits, underscores or hyphens.");
            }
            else if (BuiltInTools.Contains(tool.Name))
            {
                errors.Add(prefix + "name", $"'{tool.Name}' is a built-in tool's name.");
            }
            else if (!names.Add(tool.Name))
            {
                errors.Add(prefix + "name", $"Another tool is already named '{tool.Name}'.");
            }

            if (string.IsNullOrWhiteSpace(tool.Description) || tool.Description.Length > MaxToolDescriptionLength)
            {
                errors.Add(prefix + "description", $"Description is required and must be at most {MaxToolDescriptionLength} characters: the model reads it to decide when to call.");
            }

            if (SchemaProblem(tool.Parameters) is { } problem)
            {
                errors.Add(prefix + "parameters", problem);
            }

            if (endpoints.UrlProblem(tool.Url) is { } urlProblem)
            {
                errors.Add(prefix + "url", "Url: " + urlProblem);
            }

            if (tool.TimeoutSeconds is < 1 or > MaxToolTimeoutSeconds)
            {
                errors.Add(prefix + "timeoutSeconds", $"TimeoutSeconds must be between 1 and {MaxToolTimeoutSeconds}.");
            }
        }
    }

    /// <summary>
    /// What models accept as a parameters or structured-output schema: a JSON Schema object with <c>"type": "object"</c>,
    /// its <c>properties</c> schemas with known types, and <c>required</c> naming only declared properties.
    /// </summary>
    internal static string? SchemaProblem(JsonElement schema)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            return "Must be a JSON Schema object, e.g. {\"type\":\"object\",\"properties\":{…}}.";
        }

        if (schema.GetRawText().Length > MaxSchemaCharacters)
        {
            return $"Must be at most {MaxSchemaCharacters} characters of JSON.";
        }

        if (!schema.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String || type.GetString() != "object")
        {
            return "Must declare \"type\": \"object\".";
        }

        var declared = new HashSet<string>(StringComparer.Ordinal);
        if (schema.TryGetProperty("properties", out var properties))
        {
            if (properties.ValueKind != JsonValueKind.Object)
            {
                return "\"properties\" must be an object of property schemas.";
            }

            foreach (var property in properties.EnumerateObject())
            {
                declared.Add(property.Name);
                if (PropertySchemaProblem(property.Value) is { } problem)
                {
                    return $"Property '{property.Name}': {problem}";
                }
            }
        }

        if (schema.TryGetProperty("required", out var required))
        {
            if (required.ValueKind != JsonValueKind.Array)
            {
                return "\"required\" must be an array of property names.";
            }

            foreach (var name in required.EnumerateArray())
            {
                if (name.ValueKind != JsonValueKind.String || !declared.Contains(name.GetString()!))
                {
                    return $"\"required\" names {name.GetRawText()}, which is not a declared property.";
                }
            }
        }

        return null;
    }

    private static string? PropertySchemaProblem(JsonElement property)
    {
        if (property.ValueKind != JsonValueKind.Object)
        {
            return "must be a schema object.";
        }

        if (!property.TryGetProperty("type", out var type))
        {
            // Composed schemas (anyOf, enum, $ref…) declare no type of their own.
            return null;
        }

        var types = type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().ToArray() : [type];
        foreach (var t in types)
        {
            if (t.ValueKind != JsonValueKind.String || !SchemaTypes.Contains(t.GetString()!))
            {
                return $"type must be one of {string.Join(", ", SchemaTypes)}.";
            }
        }

        return type.ValueKind == JsonValueKind.String && type.GetString() == "object" && property.TryGetProperty("properties", out _)
            ? SchemaProblem(property)
            : null;
    }
}
