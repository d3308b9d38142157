using System.Text.Json;

namespace AgentOS.Voice.TestSupport;

/// <summary>Where the repository and the shared reference material are, found from the test binary's location.</summary>
public static class RepoPaths
{
    private static readonly Lazy<string> RootPath = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AgentOS.Functions.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No AgentOS.Functions.sln above {AppContext.BaseDirectory}.");
    });

    public static string Root => RootPath.Value;

    /// <summary>The shared folder beside the clone (CI lays it there); AGENTOS_SHARED overrides.</summary>
    public static string Shared
    {
        get
        {
            var path = Environment.GetEnvironmentVariable("AGENTOS_SHARED") ?? Path.Combine(Root, "..", "shared");
            if (!Directory.Exists(path))
            {
                throw new InvalidOperationException(
                    $"The shared reference folder is missing at {Path.GetFullPath(path)}: clone beside ../shared or set AGENTOS_SHARED.");
            }

            return Path.GetFullPath(path);
        }
    }

    /// <summary>Reads a reference-vectors file (../shared/vectors/NAME) as data at test time.</summary>
    public static JsonElement Vectors(string fileName)
    {
        using var stream = File.OpenRead(Path.Combine(Shared, "vectors", fileName));
        using var doc = JsonDocument.Parse(stream);
        return doc.RootElement.Clone();
    }
}
