using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using AgentOS.Voice.Agents;

namespace AgentOS.Voice.Functions.Agents;

/// <summary>
/// Reads an agent from a request body. Required members are relaxed so a missing id or name reaches the validator and
/// is reported with every other problem instead of failing alone; unknown members are refused so typos are not
/// silently dropped, and so are duplicate members (which of two values a reader keeps differs between parsers).
/// </summary>
internal static class AgentRequestJson
{
    private static readonly JsonSerializerOptions Options = Create();

    public static async Task<(Agent? Agent, IDictionary<string, string[]>? Errors)> ReadAsync(Stream body, CancellationToken cancellationToken)
    {
        try
        {
            var agent = await JsonSerializer.DeserializeAsync<Agent>(body, Options, cancellationToken);
            return agent is null
                ? (null, new Dictionary<string, string[]> { ["$"] = ["The body must be a JSON agent object."] })
                : (agent, null);
        }
        catch (JsonException e)
        {
            var field = string.IsNullOrEmpty(e.Path) ? "$" : e.Path.TrimStart('$', '.');
            return (null, new Dictionary<string, string[]> { [field.Length == 0 ? "$" : field] = [e.Message] });
        }
    }

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(AgentJson.Options)
        {
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            AllowDuplicateProperties = false,
            TypeInfoResolver = new DefaultJsonTypeInfoResolver
            {
                Modifiers =
                {
                    type =>
                    {
                        foreach (var property in type.Properties)
                        {
                            property.IsRequired = false;
                        }
                    },
                },
            },
        };
        options.MakeReadOnly();
        return options;
    }
}
