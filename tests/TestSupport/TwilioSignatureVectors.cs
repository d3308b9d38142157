using System.Text.Json;

namespace AgentOS.Voice.TestSupport;

/// <summary>The signature cases of ../shared/vectors/twilio.json (made with Twilio's own helper library).</summary>
public static class TwilioSignatureVectors
{
    public static IEnumerable<JsonElement> All => RepoPaths.Vectors("twilio.json").GetProperty("signatures").EnumerateArray();

    public static JsonElement Named(string name) => All.Single(v => v.GetProperty("name").GetString() == name);

    /// <summary>A case's params as form pairs; an array value is a repeated name.</summary>
    public static IEnumerable<KeyValuePair<string, string>> FormPairs(JsonElement vector)
    {
        foreach (var p in vector.GetProperty("params").EnumerateObject())
        {
            if (p.Value.ValueKind == JsonValueKind.Array)
            {
                foreach (var v in p.Value.EnumerateArray())
                {
                    yield return new(p.Name, v.GetString()!);
                }
            }
            else
            {
                yield return new(p.Name, p.Value.GetString()!);
            }
        }
    }
}
