using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using AgentOS.Voice.FunctionsRunner;
using AgentOS.Voice.TestSupport;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AgentOS.Voice.Functions.Tests.Runner;

/// <summary>
/// The functions.metadata the Worker SDK wrote, what the local runner serves from it, and docs/functions.md: the three
/// must agree, function by function.
/// </summary>
public sealed partial class FunctionsMetadataTests : IClassFixture<AzuriteFixture>, IDisposable
{
    private readonly FunctionsAppFactory _app;
    private readonly IReadOnlyList<FunctionMetadata> _metadata =
        FunctionMetadata.Load(Path.Combine(AppContext.BaseDirectory, LocalFunctionsHost.MetadataFileName));

    public FunctionsMetadataTests(AzuriteFixture azurite) =>
        _app = new FunctionsAppFactory(azurite.ConnectionString, "meta", new Dictionary<string, string>
        {
            ["Twilio:AccountSid"] = "AC00000000000000000000000000000000",
            ["Twilio:AuthToken"] = "test-auth-token-not-a-secret",
            ["PublicUrls:FunctionsBaseUrl"] = "https://voice.test",
            ["PublicUrls:RelayBaseUrl"] = "wss://relay.test",
            ["RelayTickets:Secret"] = "test-relay-ticket-secret-not-a-secret",
        });

    public void Dispose() => _app.Dispose();

    [Fact]
    public void Every_http_function_in_the_metadata_is_served_on_its_route_and_methods()
    {
        var endpoints = _app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .ToDictionary(e => e.Metadata.GetMetadata<IEndpointNameMetadata>()!.EndpointName);
        var http = _metadata.Where(f => f.Trigger.Type == "httpTrigger").ToList();

        Assert.NotEmpty(http);
        foreach (var function in http)
        {
            Assert.True(endpoints.TryGetValue(function.Name, out var endpoint), $"{function.Name} is not served");
            Assert.Equal(function.Trigger.Route, endpoint!.RoutePattern.RawText);
            Assert.Equal(
                function.Trigger.Methods!.Select(m => m.ToUpperInvariant()).Order(),
                endpoint.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Order());
        }

        Assert.Equal(http.Count, endpoints.Count);
    }

    [Fact]
    public void Every_queue_function_in_the_metadata_has_a_listener_on_its_queue()
    {
        var listeners = _app.Services.GetServices<IHostedService>().OfType<QueueTriggerListener>().ToList();
        var queueFunctions = _metadata.Where(f => f.Trigger.Type == "queueTrigger").ToList();

        Assert.NotEmpty(queueFunctions);
        Assert.Equal(
            queueFunctions.Select(f => "meta" + f.Trigger.QueueName).Order(),
            listeners.Select(l => l.QueueName).Order());
    }

    [Fact]
    public void Every_timer_function_in_the_metadata_runs_on_the_schedule_its_setting_names()
    {
        var timers = _app.Services.GetServices<IHostedService>().OfType<TimerTriggerListener>().ToDictionary(t => t.FunctionName);
        var timerFunctions = _metadata.Where(f => f.Trigger.Type == "timerTrigger").ToList();
        var configuration = _app.Services.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>();

        Assert.NotEmpty(timerFunctions);
        Assert.Equal(timerFunctions.Select(f => f.Name).Order(), timers.Keys.Order());
        foreach (var function in timerFunctions)
        {
            var configured = NCrontab.CrontabSchedule.Parse(configuration[function.Trigger.Schedule!.Trim('%')]!, new() { IncludingSeconds = true });
            var day = new DateTime(2026, 12, 3, 0, 0, 0, DateTimeKind.Utc);
            Assert.Equal(configured.GetNextOccurrences(day, day.AddDays(1)), timers[function.Name].Schedule.GetNextOccurrences(day, day.AddDays(1)));
        }
    }

    [Fact]
    public void Docs_list_every_function_with_the_metadatas_method_and_route()
    {
        var documented = DocumentedHttpFunctions().ToDictionary(f => f.Name);
        var http = _metadata.Where(f => f.Trigger.Type == "httpTrigger").ToList();

        Assert.Equal(http.Select(f => f.Name).Order(), documented.Keys.Order());
        foreach (var function in http)
        {
            var doc = documented[function.Name];
            Assert.Equal(function.Trigger.Route, doc.Route);
            Assert.Equal([doc.Method], function.Trigger.Methods!.Select(m => m.ToUpperInvariant()));
            Assert.Equal("anonymous", function.Trigger.AuthLevel, ignoreCase: true);
        }

        var queues = DocumentedQueueFunctions().ToList();
        Assert.Equal(
            _metadata.Where(f => f.Trigger.Type == "queueTrigger").Select(f => (f.Name, f.Trigger.QueueName!, f.Trigger.Connection!)).Order(),
            queues.Order());

        Assert.Equal(
            _metadata.Where(f => f.Trigger.Type == "timerTrigger").Select(f => (f.Name, f.Trigger.Schedule!)).Order(),
            DocumentedTimerFunctions().Order());
    }

    [Fact]
    public async Task Every_function_refuses_a_request_without_its_documented_credential()
    {
        using var client = _app.CreateClient();
        foreach (var function in DocumentedHttpFunctions())
        {
            // A catch-all ({*path}) is left empty: the console's root is its one page that always exists.
            var path = "/" + RouteParameter().Replace(function.Route, m => m.Value.StartsWith("{*", StringComparison.Ordinal) ? string.Empty : "x1");
            using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(function.Method), path));
            var expected = function.Auth switch
            {
                "management key" => HttpStatusCode.Unauthorized,
                "Twilio signature" => HttpStatusCode.Forbidden,
                _ => HttpStatusCode.OK,
            };
            Assert.True(expected == response.StatusCode, $"{function.Name} {function.Method} {path}: {response.StatusCode}, documented {function.Auth}");
        }
    }

    [Fact]
    public void Host_json_is_an_isolated_worker_host_with_the_queue_settings_the_docs_state()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "host.json")));
        var root = json.RootElement;
        var queues = root.GetProperty("extensions").GetProperty("queues");

        Assert.False(root.TryGetProperty("customHandler", out _));
        Assert.Equal("", root.GetProperty("extensions").GetProperty("http").GetProperty("routePrefix").GetString());
        Assert.Equal("base64", queues.GetProperty("messageEncoding").GetString());
        Assert.Equal(5, queues.GetProperty("maxDequeueCount").GetInt32());
        Assert.Equal(TimeSpan.FromSeconds(2), TimeSpan.Parse(queues.GetProperty("visibilityTimeout").GetString()!));
        Assert.False(Directory.Exists(Path.Combine(RepoPaths.Root, "src", "Functions", "functions")), "no function.json folders remain");
    }

    [Fact]
    public void The_local_settings_sample_names_the_isolated_worker_on_development_storage()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "local.settings.sample.json")));
        var values = json.RootElement.GetProperty("Values");

        Assert.Equal("dotnet-isolated", values.GetProperty("FUNCTIONS_WORKER_RUNTIME").GetString());
        Assert.Equal("UseDevelopmentStorage=true", values.GetProperty("AzureWebJobsStorage").GetString());
        Assert.Matches("^AC0{32}$", values.GetProperty("Twilio__AccountSid").GetString());
    }

    [Fact]
    public void The_local_settings_sample_lists_every_setting_of_the_core_and_the_functions_app()
    {
        var missing = SettingsSample.Missing(typeof(AgentOS.Voice.Storage.StorageOptions).Assembly)
            .Concat(SettingsSample.Missing(typeof(AgentOS.Voice.Functions.FunctionsApp).Assembly)).ToList();

        Assert.True(missing.Count == 0, "local.settings.sample.json lacks:\n" + string.Join(",\n", missing));
    }

    private static IEnumerable<(string Name, string Method, string Route, string Auth)> DocumentedHttpFunctions() =>
        Rows("| function | method | route | auth |").Select(c => (c[0], c[1], c[2].Trim('`'), c[3]));

    private static IEnumerable<(string Name, string Queue, string Connection)> DocumentedQueueFunctions() =>
        Rows("| function | queue | connection |").Select(c => (c[0], c[1].Trim('`'), c[2].Trim('`')));

    private static IEnumerable<(string Name, string Schedule)> DocumentedTimerFunctions() =>
        Rows("| function | schedule | what it does |").Select(c => (c[0], c[1].Trim('`')));

    private static IEnumerable<string[]> Rows(string header)
    {
        var lines = File.ReadAllLines(Path.Combine(RepoPaths.Root, "docs", "functions.md"));
        var start = Array.IndexOf(lines, header);
        Assert.True(start >= 0, $"docs/functions.md has a table headed {header}");
        return lines.Skip(start + 2).TakeWhile(l => l.StartsWith('|'))
            .Select(l => l.Trim('|').Split('|').Select(c => c.Trim()).ToArray());
    }

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex RouteParameter();
}
