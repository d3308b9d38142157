using System.Text.Json;
using AgentOS.Voice.Functions.Queues;
using AgentOS.Voice.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AgentOS.Voice.Functions.Tests.Packaging;

public sealed class FunctionsPackagingTests : IClassFixture<AzuriteFixture>, IDisposable
{
    private static readonly string FunctionsFolder = Path.Combine(RepoPaths.Root, "src", "Functions", "functions");
    private readonly FunctionsAppFactory _app;

    public FunctionsPackagingTests(AzuriteFixture azurite) =>
        _app = new FunctionsAppFactory(azurite.ConnectionString, "pkg", new Dictionary<string, string> { ["Functions:HostInvocation"] = "true" });

    public void Dispose() => _app.Dispose();

    [Fact]
    public void Every_function_json_is_served_by_the_app()
    {
        Assert.NotEmpty(Directory.GetFiles(FunctionsFolder, "function.json", SearchOption.AllDirectories));
        Assert.Empty(FunctionJsonCheck.Problems(FunctionsFolder, _app.Services));
    }

    [Fact]
    public void The_check_catches_unserved_routes_and_queue_functions_without_handlers()
    {
        var folder = Directory.CreateTempSubdirectory("functions-json-");
        try
        {
            Write(folder.FullName, "Unserved", """{"bindings":[{"type":"httpTrigger","direction":"in","name":"req","authLevel":"anonymous","route":"api/nowhere/{id}","methods":["get"]},{"type":"http","direction":"out","name":"res"}]}""");
            Write(folder.FullName, "WrongMethod", """{"bindings":[{"type":"httpTrigger","direction":"in","name":"req","authLevel":"anonymous","route":"api/agents","methods":["patch"]},{"type":"http","direction":"out","name":"res"}]}""");
            Write(folder.FullName, "Orphan", """{"bindings":[{"type":"queueTrigger","direction":"in","name":"job","queueName":"orphans","connection":"AzureWebJobsStorage"}]}""");

            var problems = FunctionJsonCheck.Problems(folder.FullName, _app.Services);

            Assert.Equal(3, problems.Count);
            Assert.Contains(problems, p => p.StartsWith("Unserved:", StringComparison.Ordinal));
            Assert.Contains(problems, p => p.StartsWith("WrongMethod:", StringComparison.Ordinal));
            Assert.Contains(problems, p => p.StartsWith("Orphan:", StringComparison.Ordinal));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void Host_json_runs_the_handler_and_matches_the_local_pollers_semantics()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "host.json")));
        var root = json.RootElement;
        var handler = root.GetProperty("customHandler");
        var queues = root.GetProperty("extensions").GetProperty("queues");
        var defaults = new QueueFunctionOptions();

        Assert.Equal("handler/AgentOS.Voice.Functions", handler.GetProperty("description").GetProperty("defaultExecutablePath").GetString());
        Assert.True(handler.GetProperty("enableForwardingHttpRequest").GetBoolean());
        Assert.Equal("", root.GetProperty("extensions").GetProperty("http").GetProperty("routePrefix").GetString());
        Assert.Equal("base64", queues.GetProperty("messageEncoding").GetString());
        Assert.Equal(defaults.MaxDequeueCount, queues.GetProperty("maxDequeueCount").GetInt32());
        Assert.Equal(defaults.BatchSize, queues.GetProperty("batchSize").GetInt32());
        Assert.Equal(defaults.RetryDelay, TimeSpan.Parse(queues.GetProperty("visibilityTimeout").GetString()!));
        Assert.Equal(defaults.MaxPollingInterval, TimeSpan.Parse(queues.GetProperty("maxPollingInterval").GetString()!));
        Assert.Equal("[4.*, 5.0.0)", root.GetProperty("extensionBundle").GetProperty("version").GetString());
        Assert.Equal(5, _app.Services.GetRequiredService<IOptions<QueueFunctionOptions>>().Value.MaxDequeueCount);
    }

    [Fact]
    public void The_local_settings_sample_is_a_custom_handler_on_development_storage_with_a_local_key()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "local.settings.sample.json")));
        var values = json.RootElement.GetProperty("Values");

        Assert.Equal("Custom", values.GetProperty("FUNCTIONS_WORKER_RUNTIME").GetString());
        Assert.Equal("UseDevelopmentStorage=true", values.GetProperty("AzureWebJobsStorage").GetString());
        Assert.Matches("^AC0{32}$", values.GetProperty("Twilio__AccountSid").GetString());
        Assert.Contains("local", values.GetProperty("ManagementApi__ApiKeys__0").GetString());
    }

    private static void Write(string root, string function, string json)
    {
        Directory.CreateDirectory(Path.Combine(root, function));
        File.WriteAllText(Path.Combine(root, function, "function.json"), json);
    }
}
