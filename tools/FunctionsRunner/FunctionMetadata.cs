using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentOS.Voice.FunctionsRunner;

/// <summary>One entry of the functions.metadata the Worker SDK writes at build time (what the host indexes).</summary>
public sealed record FunctionMetadata(string Name, string ScriptFile, string EntryPoint, IReadOnlyList<BindingMetadata> Bindings)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The function's single trigger binding.</summary>
    public BindingMetadata Trigger =>
        Bindings.SingleOrDefault(b => b.Type.EndsWith("Trigger", StringComparison.OrdinalIgnoreCase))
        ?? throw new InvalidOperationException($"Function {Name} has no trigger binding in functions.metadata.");

    public static IReadOnlyList<FunctionMetadata> Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"functions.metadata was not found at {path}. The Worker SDK writes it when src/Functions builds; build the runner (it copies the file).", path);
        }

        return JsonSerializer.Deserialize<List<FunctionMetadata>>(File.ReadAllBytes(path), Json)
               ?? throw new InvalidDataException($"{path} holds no function list.");
    }
}

/// <summary>
/// A binding as functions.metadata writes it: httpTrigger (route, methods, authLevel), queueTrigger (queueName,
/// connection), timerTrigger (schedule), http ($return)...
/// </summary>
public sealed record BindingMetadata(
    string Name,
    string Type,
    string? Direction,
    string? Route,
    IReadOnlyList<string>? Methods,
    string? AuthLevel,
    string? QueueName,
    string? Connection,
    string? Schedule = null)
{
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Other { get; init; }
}
