using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentOS.Voice.Agents;

/// <summary>How agent records look as JSON: camelCase, enums as their names. Shared by storage columns and the API.</summary>
public static class AgentJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        options.Converters.Add(new JsonStringEnumConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
