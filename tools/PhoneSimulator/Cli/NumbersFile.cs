using System.Text.Json;
using AgentOS.Voice.Simulator.Relay;

namespace AgentOS.Voice.Simulator.Cli;

/// <summary>
/// Reads number behaviours from JSON:
/// <c>{"+15550001111": {"behavior": "voicemail", "greetingSeconds": 8}, "+15550002222": {"behavior": "person", "say": ["hi", "transfer me"]}}</c>.
/// behavior is person, voicemail, busy, no-answer or failed.
/// </summary>
internal static class NumbersFile
{
    public static Dictionary<string, NumberBehavior> Read(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var numbers = new Dictionary<string, NumberBehavior>(StringComparer.Ordinal);
        foreach (var entry in document.RootElement.EnumerateObject())
        {
            var spec = entry.Value;
            var kind = spec.TryGetProperty("behavior", out var b) ? b.GetString() : "person";
            numbers[entry.Name] = kind switch
            {
                "person" => NumberBehavior.Person(Script(spec)),
                "voicemail" => NumberBehavior.Voicemail(spec.TryGetProperty("greetingSeconds", out var g) ? g.GetDouble() : 5),
                "busy" => NumberBehavior.Busy,
                "no-answer" => NumberBehavior.NoAnswer,
                "failed" => NumberBehavior.Failed,
                _ => throw new FormatException($"{path}: {entry.Name} has behavior '{kind}'; use person, voicemail, busy, no-answer or failed."),
            };
        }

        return numbers;
    }

    public static CallerScript? Script(IEnumerable<string>? lines)
    {
        var said = lines?.ToArray() ?? [];
        if (said.Length == 0)
        {
            return null;
        }

        var script = new CallerScript();
        foreach (var line in said)
        {
            script.Say(line);
        }

        return script;
    }

    private static CallerScript? Script(JsonElement spec) =>
        spec.TryGetProperty("say", out var say) ? Script(say.EnumerateArray().Select(e => e.GetString() ?? "")) : null;
}
