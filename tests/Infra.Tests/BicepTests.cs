using System.Diagnostics;
using System.Globalization;
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
    public void Functions_app_is_the_dotnet_isolated_worker_on_flex_consumption()
    {
        var template = Compile();
        var text = template.GetRawText();

        Assert.Contains("\"FlexConsumption\"", text, StringComparison.Ordinal);
        var runtime = Assert.Single(FindAll(template, "runtime"), r => r.ValueKind == JsonValueKind.Object && r.TryGetProperty("version", out _));
        Assert.Equal("dotnet-isolated", runtime.GetProperty("name").GetString());
        Assert.Equal("10.0", runtime.GetProperty("version").GetString());
    }

    [Theory]
    [InlineData(10)]
    [InlineData(400)]
    [InlineData(1000)]
    [InlineData(100_000)]
    public void Relay_scales_out_well_before_its_per_replica_cap_both_from_one_parameter(int sessionsPerReplica)
    {
        var main = Compile();
        var (relayModule, relay) = RelayModule(main);
        var relayArgs = ModuleArguments(main, relayModule, new Dictionary<string, object> { ["relaySessionsPerReplica"] = (long)sessionsPerReplica });
        var arm = new ArmExpression(relay, relayArgs);

        // The cap RelayHost enforces (RelayHost:MaxSessions) is the environment's parameter, set on the container...
        var capSetting = Assert.Single(FindObjects(relay, o => o.TryGetProperty("name", out var n) && n.GetString() == "RelayHost__MaxSessions"));
        var cap = long.Parse((string)arm.Evaluate(capSetting.GetProperty("value")), CultureInfo.InvariantCulture);
        Assert.Equal(sessionsPerReplica, cap);
        var container = Assert.Single(FindObjects(relay, o => o.TryGetProperty("name", out var n) && n.GetString() == "relayhost" && o.TryGetProperty("env", out _)));
        Assert.Contains("variables('capacityEnv')", container.GetProperty("env").GetString(), StringComparison.Ordinal);

        // ...and the scaler adds a replica well before any replica reaches it, so none refuses a call while it could scale.
        var rule = Assert.Single(FindAll(relay, "concurrentRequests"));
        var scaleAt = long.Parse((string)arm.Evaluate(rule), CultureInfo.InvariantCulture);
        Assert.InRange(scaleAt, 1, cap * 80 / 100);
        Assert.True(scaleAt >= cap * 30 / 100, $"scale out at {scaleAt} of a cap of {cap} would add replicas for a handful of calls");
    }

    [Fact]
    public void Relay_drains_within_its_termination_grace_and_its_options_range()
    {
        var (relayModule, relay) = RelayModule(Compile());
        var arm = new ArmExpression(relay, ModuleArguments(Compile(), relayModule, new Dictionary<string, object>()));

        var drainSetting = Assert.Single(FindObjects(relay, o => o.TryGetProperty("name", out var n) && n.GetString() == "RelayHost__DrainTimeout"));
        var drain = TimeSpan.Parse((string)arm.Evaluate(drainSetting.GetProperty("value")), CultureInfo.InvariantCulture);
        var grace = TimeSpan.FromSeconds((long)arm.Evaluate(Assert.Single(FindAll(relay, "terminationGracePeriodSeconds"))));

        // RelayHostOptions.DrainTimeout allows up to 30 min; the close handshake (CloseTimeout, 5 s) must fit after it.
        Assert.InRange(drain, TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(30));
        Assert.True(grace >= drain + TimeSpan.FromSeconds(30), $"grace {grace} leaves no room after a drain of {drain}");
        Assert.True(grace <= TimeSpan.FromSeconds(600), "Container Apps allows at most 600 s of termination grace");
    }

    [Fact]
    public void Relay_pulls_its_image_with_its_own_identity_from_a_registry_it_has_AcrPull_on()
    {
        var main = Compile();
        var (_, relay) = RelayModule(main);

        var registry = Assert.Single(FindAll(relay, "registries")).EnumerateArray().Single();
        Assert.Equal("[parameters('registryServer')]", registry.GetProperty("server").GetString());
        Assert.Equal("[parameters('identityId')]", registry.GetProperty("identity").GetString());

        const string AcrPull = "7f951dda-4ed3-4680-a7ca-43fe172d538d";
        var text = main.GetRawText();
        Assert.Contains(AcrPull, text, StringComparison.Ordinal);
        Assert.Contains("\"adminUserEnabled\": false", text, StringComparison.Ordinal);
        Assert.Contains("/agentos-voice/relayhost:", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Apps_wait_for_the_second_pass_and_reach_azure_openai_without_a_key()
    {
        var main = Compile();
        var resources = main.GetProperty("resources");

        // The foundation pass (deployApps=false) creates the vault, registry and roles but neither app, whose image and
        // Key Vault references must exist first.
        Assert.Equal("[parameters('deployApps')]", resources.GetProperty("relay").GetProperty("condition").GetString());
        Assert.Equal("[parameters('deployApps')]", resources.GetProperty("functions").GetProperty("condition").GetString());
        Assert.False(resources.GetProperty("vault").TryGetProperty("condition", out _));

        var text = main.GetRawText();
        Assert.Contains("Llm__AzureOpenAI__Endpoint", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Llm__AzureOpenAI__ApiKey", text, StringComparison.Ordinal);
        Assert.Contains("5e0bd9bd-7b93-4f28-af87-19fc36ad61bd", text, StringComparison.Ordinal); // Cognitive Services OpenAI User
    }

    [Fact]
    public void Every_environment_parameter_file_builds_against_the_template()
    {
        var files = Directory.GetFiles(Path.Combine(RepoPaths.Root, "infra", "bicep", "env"), "*.bicepparam");
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            var (exit, output) = Run("build-params", file, "--stdout");
            Assert.True(exit == 0, $"{Path.GetFileName(file)}: bicep build-params failed:\n{output}");
            var (lintExit, lintOutput) = Run("lint", file);
            Assert.True(lintExit == 0 && string.IsNullOrWhiteSpace(lintOutput), $"{Path.GetFileName(file)}: {lintOutput}");
        }
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

    [Fact]
    public void Every_app_setting_a_functions_binding_names_is_set_on_the_functions_app()
    {
        var template = Compile();
        var appSettings = template.GetProperty("resources").GetProperty("functions").GetProperty("properties")
            .GetProperty("parameters").GetProperty("appSettings").GetProperty("value").GetString()!;

        // The host resolves %Setting% in a trigger (a timer's schedule) from app settings before the worker starts.
        var named = Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "src", "Functions"), "*.cs", SearchOption.AllDirectories)
            .SelectMany(f => System.Text.RegularExpressions.Regex.Matches(File.ReadAllText(f), "Trigger\\(\"%([^%\"]+)%\"").Select(m => m.Groups[1].Value))
            .ToList();
        Assert.NotEmpty(named);
        Assert.All(named, setting => Assert.Contains($"'{setting.Replace(":", "__", StringComparison.Ordinal)}'", appSettings, StringComparison.Ordinal));
    }

    // One compile serves every test: each run of the compiler costs seconds.
    private static readonly Lazy<JsonElement> Compiled = new(CompileMain);

    private static JsonElement Compile() => Compiled.Value;

    private static JsonElement CompileMain()
    {
        var (exit, output) = Run("build", MainBicep, "--stdout");
        Assert.True(exit == 0, $"bicep build failed:\n{output}");
        using var doc = JsonDocument.Parse(output);
        return doc.RootElement.Clone();
    }

    /// <summary>The relay module's deployment resource in main and its compiled template.</summary>
    private static (JsonElement Module, JsonElement Template) RelayModule(JsonElement main)
    {
        var module = main.GetProperty("resources").GetProperty("relay");
        return (module, module.GetProperty("properties").GetProperty("template"));
    }

    /// <summary>The values main passes to a module's parameters, for main's own parameters as given (defaults otherwise).</summary>
    private static Dictionary<string, object> ModuleArguments(JsonElement main, JsonElement module, Dictionary<string, object> mainParameters)
    {
        var arm = new ArmExpression(main, mainParameters);
        var args = new Dictionary<string, object>();
        foreach (var p in module.GetProperty("properties").GetProperty("parameters").EnumerateObject())
        {
            var value = p.Value.GetProperty("value");
            if (value.ValueKind is JsonValueKind.Number || (value.GetString() ?? "").StartsWith("[parameters(", StringComparison.Ordinal))
            {
                args[p.Name] = arm.Evaluate(value);
            }
        }

        return args;
    }

    private static IEnumerable<JsonElement> FindObjects(JsonElement element, Func<JsonElement, bool> match) =>
        Descendants(element).Where(e => e.ValueKind == JsonValueKind.Object && match(e));

    private static IEnumerable<JsonElement> Descendants(JsonElement element)
    {
        yield return element;
        var children = element.ValueKind switch
        {
            JsonValueKind.Object => element.EnumerateObject().Select(p => p.Value),
            JsonValueKind.Array => element.EnumerateArray(),
            _ => [],
        };
        foreach (var child in children)
        {
            foreach (var inner in Descendants(child))
            {
                yield return inner;
            }
        }
    }

    private static IEnumerable<JsonElement> FindAll(JsonElement element, string name) =>
        FindObjects(element, _ => true).SelectMany(o => o.EnumerateObject().Where(p => p.Name == name).Select(p => p.Value));

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
