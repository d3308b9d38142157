using System.Text.RegularExpressions;
using AgentOS.Voice.TestSupport;

namespace AgentOS.Voice.Functions.Tests.Runner;

/// <summary>The commands the docs give for the local run work against it: they use the keys `./dev run` sets.</summary>
public sealed partial class LocalRunDocsTests
{
    [Fact]
    public void Local_commands_in_the_docs_use_the_local_runs_keys()
    {
        var stack = File.ReadAllText(Path.Combine(RepoPaths.Root, "tools", "DevRunner", "LocalStack.cs"));
        var apiKey = Constant(stack, "ApiKey");
        var authToken = Constant(stack, "AuthToken");
        var docs = Directory.GetFiles(Path.Combine(RepoPaths.Root, "docs"), "*.md").Append(Path.Combine(RepoPaths.Root, "README.md"))
            .ToDictionary(p => Path.GetFileName(p)!, File.ReadAllText);

        var keys = docs.SelectMany(d => ApiKeyHeader().Matches(d.Value).Select(m => (d.Key, m.Groups[1].Value))).ToList();
        var tokens = docs.SelectMany(d => AuthTokenOption().Matches(d.Value).Select(m => (d.Key, m.Groups[1].Value))).ToList();

        Assert.NotEmpty(keys);
        Assert.NotEmpty(tokens);
        Assert.All(keys, k => Assert.Equal((k.Key, apiKey), k));
        Assert.All(tokens, t => Assert.Equal((t.Key, authToken), t));
    }

    private static string Constant(string source, string name) =>
        Regex.Match(source, $@"const string {name} = ""([^""]+)""") is { Success: true } m ? m.Groups[1].Value : throw new InvalidOperationException($"LocalStack.{name} not found");

    [GeneratedRegex(@"x-api-key: ([^""'\s]+)")]
    private static partial Regex ApiKeyHeader();

    // Placeholders such as "--auth-token …" in usage lines are not commands to run.
    [GeneratedRegex(@"--auth-token ([A-Za-z0-9][^\s`]*)")]
    private static partial Regex AuthTokenOption();
}
