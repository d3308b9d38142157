namespace AgentOS.Voice.Bench.Common;

/// <summary>
/// KEY=VALUE settings from a repeatable command-line option (<c>--relay-env</c>, <c>--functions-env</c>) for the
/// environment of a process under test, to compare a runtime or product setting without a rebuild.
/// </summary>
public static class EnvironmentSettings
{
    /// <summary>The first setting that is not KEY=VALUE (an empty key counts), or null when all are.</summary>
    public static string? FirstInvalid(IEnumerable<string> settings) => settings.FirstOrDefault(s => s.IndexOf('=') < 1);

    /// <summary>Adds the settings to <paramref name="environment"/>, each replacing what the tool set for its key.</summary>
    public static void ApplyTo(IDictionary<string, string> environment, IEnumerable<string> settings)
    {
        foreach (var setting in settings)
        {
            var split = setting.IndexOf('=');
            environment[setting[..split]] = setting[(split + 1)..];
        }
    }
}
