using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using AgentOS.Voice.TestSupport;

namespace AgentOS.Voice.Infra.Tests;

public class BicepTests
{
    private static readonly string Bicep = typeof(BicepTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "BicepPath").Value!;

    private static string MainBicep => Path.Combine(RepoPaths.Root, "infra", "bicep", "main.bicep");

    [Fact]
    public void Main_template_lints_without_any_finding()
    {
        var (exit, output) = Run("lint", MainBicep);

        Assert.True(exit == 0 && string.IsNullOrWhiteSpace(output), $"bicep lint exit {exit}:\n{output}");
    }

    [Fact]
    public void Relay_keeps_a_warm_replica_and_no_secret_is_a_plain_setting()
    {
        var template = Compile();
        var text = template.GetRawText();

        // Live sockets need a process that stays: the relay's replica floor may never be zero.
        var minReplicas = FindAll(template, "minReplicas").Where(e => e.ValueKind == JsonValueKind.Object).ToArray();
        Assert.NotEmpty(minReplicas);
        Assert.All(minReplicas, p => Assert.True(p.GetProperty("minValue").GetInt32() >= 1 && p.GetProperty("defaultValue").GetInt32() >= 1));

        // Secrets reach the apps only as Key Vault references, never as parameters or literal values.
        var parameters = template.GetProperty("parameters").EnumerateObject().Select(p => p.Name).ToArray();
        Assert.DoesNotContain(parameters, p => p.Contains("token", StringComparison.OrdinalIgnoreCase) || p.Contains("key", StringComparison.OrdinalIgnoreCase));
        Assert.Contains("@Microsoft.KeyVault(SecretUri=", text, StringComparison.Ordinal);
        Assert.Contains("keyVaultUrl", text, StringComparison.Ordinal);
        Assert.Contains("\"allowSharedKeyAccess\": false", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Functions_app_is_a_custom_handler_on_flex_consumption()
    {
        var text = Compile().GetRawText();

        Assert.Contains("\"FlexConsumption\"", text, StringComparison.Ordinal);
        Assert.Contains("\"name\": \"custom\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Http_functions_keep_an_always_ready_instance_by_default()
    {
        var template = Compile();

        // The webhooks answer a ringing caller: by default one instance of the 'http' group is always warm.
        var parameter = template.GetProperty("parameters").GetProperty("alwaysReadyHttpInstances");
        Assert.Equal(1, parameter.GetProperty("defaultValue").GetInt32());
        Assert.Equal(0, parameter.GetProperty("minValue").GetInt32());
        var alwaysReady = Assert.Single(FindAll(template, "alwaysReady")).GetString();
        Assert.Contains("'http'", alwaysReady, StringComparison.Ordinal);
        Assert.Contains("alwaysReadyHttpInstances", alwaysReady, StringComparison.Ordinal);
    }

    private static JsonElement Compile()
    {
        var (exit, output) = Run("build", MainBicep, "--stdout");
        Assert.True(exit == 0, $"bicep build failed:\n{output}");
        using var doc = JsonDocument.Parse(output);
        return doc.RootElement.Clone();
    }

    private static IEnumerable<JsonElement> FindAll(JsonElement element, string name)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in element.EnumerateObject())
            {
                if (p.Name == name)
                {
                    yield return p.Value;
                }

                foreach (var inner in FindAll(p.Value, name))
                {
                    yield return inner;
                }
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in element.EnumerateArray())
            {
                foreach (var inner in FindAll(item, name))
                {
                    yield return inner;
                }
            }
        }
    }

    private static (int Exit, string Output) Run(params string[] args)
    {
        var start = new ProcessStartInfo(Bicep) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
