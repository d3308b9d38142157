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
        // The stored columns are read on a cold start's first call; generated metadata spares it building their
        // contracts by reflection there. Other types still fall back to reflection.
        options.TypeInfoResolverChain.Insert(0, AgentColumnsJsonContext.Default);
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}

/// <summary>The agent record's JSON columns in table storage (<see cref="AgentTableEntity"/>).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(IReadOnlyList<AgentLanguage>))]
[JsonSerializable(typeof(LlmSettings))]
[JsonSerializable(typeof(IReadOnlyDictionary<string, DtmfAction>))]
[JsonSerializable(typeof(IReadOnlyList<ScriptStep>))]
[JsonSerializable(typeof(IReadOnlyList<AgentTool>))]
internal sealed partial class AgentColumnsJsonContext : JsonSerializerContext;
