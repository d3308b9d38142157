using System.Text.Json;
using System.Text.RegularExpressions;
using AgentOS.Voice.Functions;
using AgentOS.Voice.Functions.Hosting;
using AgentOS.Voice.Storage;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.Options;
using NCrontab;

namespace AgentOS.Voice.FunctionsRunner;

/// <summary>
/// The Functions app on Kestrel without the Functions host: the same services (<see cref="FunctionsApp.AddVoiceFunctions"/>),
/// every function in functions.metadata served (HTTP triggers on their routes and methods under host.json's route
/// prefix, queue triggers by <see cref="QueueTriggerListener"/>, timer triggers by <see cref="TimerTriggerListener"/>
/// and the admin endpoint that runs one now). Not static only so that tests can name the
/// runner's assembly in <c>WebApplicationFactory&lt;LocalFunctionsHost&gt;</c>.
/// </summary>
public sealed partial class LocalFunctionsHost
{
    private LocalFunctionsHost()
    {
    }

    public const string MetadataFileName = "functions.metadata";

    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        AddAppSettingsFiles(builder.Configuration, builder.Environment.EnvironmentName);
        builder.AddVoiceFunctions();

        var functions = FunctionMetadata.Load(Path.Combine(AppContext.BaseDirectory, MetadataFileName)).Select(FunctionMethod.Resolve).ToList();
        var unknown = functions.Select(f => f.Metadata.Trigger.Type).Where(t => t is not ("httpTrigger" or "queueTrigger" or "timerTrigger")).ToList();
        if (unknown.Count > 0)
        {
            throw new InvalidOperationException($"The local runner serves httpTrigger, queueTrigger and timerTrigger functions only, not {string.Join(", ", unknown.Distinct())}.");
        }

        builder.Services.AddSingleton<IReadOnlyList<FunctionMethod>>(functions);
        foreach (var queueFunction in functions.Where(f => f.Metadata.Trigger.Type == "queueTrigger"))
        {
            builder.Services.AddSingleton<IHostedService>(sp => CreateListener(sp, queueFunction));
        }

        foreach (var timerFunction in functions.Where(f => f.Metadata.Trigger.Type == "timerTrigger"))
        {
            builder.Services.AddSingleton<IHostedService>(sp => CreateTimer(sp, timerFunction));
        }

        var app = builder.Build();
        var prefix = RoutePrefix(Path.Combine(AppContext.BaseDirectory, "host.json"));
        foreach (var function in functions.Where(f => f.Metadata.Trigger.Type == "httpTrigger"))
        {
            MapHttpFunction(app, function, prefix);
        }

        app.MapAdminFunctions();
        return app;
    }

    private static void MapHttpFunction(WebApplication app, FunctionMethod function, string prefix)
    {
        var trigger = function.Metadata.Trigger;
        if (!string.Equals(trigger.AuthLevel, "anonymous", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException(
                $"Function {function.Metadata.Name} has authLevel {trigger.AuthLevel}: the local runner has no function keys and serves anonymous HTTP functions only.");
        }

        var route = trigger.Route ?? function.Metadata.Name;
        var methods = (trigger.Methods is { Count: > 0 } m ? m : ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"])
            .Select(x => x.ToUpperInvariant()).ToArray();
        app.MapMethods(prefix.Length == 0 ? route : $"{prefix}/{route}", methods, async (HttpContext http) =>
            {
                object? answer;
                try
                {
                    answer = await function.InvokeAsync(http.RequestServices, new Invocation(http, null, http.RequestAborted));
                }
                // As the worker's StorageOutageMiddleware does under the Functions host.
                catch (Exception e) when (StorageOutageAnswer.Applies(http, e))
                {
                    await StorageOutageAnswer.WriteAsync(http);
                    return;
                }

                await (answer as IResult ?? Results.NoContent()).ExecuteAsync(http);
            })
            .WithName(function.Metadata.Name);
    }

    private static QueueTriggerListener CreateListener(IServiceProvider services, FunctionMethod function)
    {
        var trigger = function.Metadata.Trigger;
        var configuration = services.GetRequiredService<IConfiguration>();
        var connection = trigger.Connection ?? "AzureWebJobsStorage";
        var connectionString = configuration[connection] ?? configuration[$"{StorageOptions.SectionName}:ConnectionString"]
            ?? throw new InvalidOperationException($"Function {function.Metadata.Name}: set the {connection} connection string (or Storage:ConnectionString).");
        var storage = services.GetRequiredService<IOptions<StorageOptions>>().Value;
        var queueName = ResolveSettings(trigger.QueueName ?? throw new InvalidOperationException($"Function {function.Metadata.Name} names no queue."), configuration);
        var queues = new QueueServiceClient(connectionString);
        return ActivatorUtilities.CreateInstance<QueueTriggerListener>(services,
            function,
            queues.GetPrefixedQueueClient(storage, queueName),
            queues.GetPrefixedQueueClient(storage, StorageNames.PoisonQueueName(queueName)));
    }

    private static TimerTriggerListener CreateTimer(IServiceProvider services, FunctionMethod function)
    {
        var setting = function.Metadata.Trigger.Schedule ?? throw new InvalidOperationException($"Function {function.Metadata.Name} has no schedule.");
        var schedule = ResolveSettings(setting, services.GetRequiredService<IConfiguration>());
        var parsed = CrontabSchedule.TryParse(schedule, new CrontabSchedule.ParseOptions { IncludingSeconds = true })
            ?? throw new InvalidOperationException(
                $"Function {function.Metadata.Name}: schedule '{schedule}' is not NCRONTAB with seconds (six fields); the runner takes no TimeSpan schedules.");
        return ActivatorUtilities.CreateInstance<TimerTriggerListener>(services, function, parsed);
    }

    // %Setting% in a binding is an app setting's value, as the host resolves it.
    private static string ResolveSettings(string value, IConfiguration configuration) =>
        SettingExpression().Replace(value, m => configuration[m.Groups[1].Value]
            ?? throw new InvalidOperationException($"Binding expression '{m.Value}' names the app setting {m.Groups[1].Value}, which is not set."));

    private static string RoutePrefix(string hostJson)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(hostJson));
        return document.RootElement.TryGetProperty("extensions", out var e) && e.TryGetProperty("http", out var http) &&
               http.TryGetProperty("routePrefix", out var p)
            ? p.GetString()!.Trim('/')
            : "api";
    }

    // The Functions app's appsettings.json and appsettings.{Environment}.json beside the runner, under every other
    // source (as the worker's content root would put them), and local.settings.json's Values from the working
    // folder, as Core Tools reads them.
    private static void AddAppSettingsFiles(ConfigurationManager configuration, string environment)
    {
        var sources = ((IConfigurationBuilder)configuration).Sources;
        foreach (var file in new[] { $"appsettings.{environment}.json", "appsettings.json" })
        {
            var appSettings = new JsonConfigurationSource { Path = Path.Combine(AppContext.BaseDirectory, file), Optional = true };
            appSettings.ResolveFileProvider();
            sources.Insert(0, appSettings);
        }

        var local = Path.Combine(Directory.GetCurrentDirectory(), "local.settings.json");
        if (File.Exists(local))
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(local));
            if (document.RootElement.TryGetProperty("Values", out var values))
            {
                var settings = values.EnumerateObject().ToDictionary(v => v.Name.Replace("__", ":"), v => v.Value.ToString());
                sources.Insert(2, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource { InitialData = settings! });
            }
        }
    }

    [GeneratedRegex("%([^%]+)%")]
    private static partial Regex SettingExpression();
}
