using System.Text.Json;
using AgentOS.Voice.Functions.Queues;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;

namespace AgentOS.Voice.Functions.Tests.Packaging;

/// <summary>
/// Compares a folder of function.json files with what the running app serves: every HTTP function's route and methods
/// must match an endpoint, every queue function must have a registered handler reading the same queue and binding.
/// </summary>
public static class FunctionJsonCheck
{
    public static IReadOnlyList<string> Problems(string functionsDirectory, IServiceProvider services)
    {
        var problems = new List<string>();
        var endpoints = services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        var queueFunctions = services.GetServices<QueueFunctionRegistration>().ToList();

        foreach (var file in Directory.GetFiles(functionsDirectory, "function.json", SearchOption.AllDirectories))
        {
            var name = Path.GetFileName(Path.GetDirectoryName(file))!;
            using var json = JsonDocument.Parse(File.ReadAllText(file));
            var bindings = json.RootElement.GetProperty("bindings").EnumerateArray().ToList();
            var triggers = bindings.Where(b => b.GetProperty("type").GetString()!.EndsWith("Trigger", StringComparison.Ordinal)).ToList();
            if (triggers.Count != 1)
            {
                problems.Add($"{name}: needs exactly one trigger binding, has {triggers.Count}");
                continue;
            }

            var trigger = triggers[0];
            switch (trigger.GetProperty("type").GetString())
            {
                case "httpTrigger":
                    CheckHttp(name, trigger, bindings, endpoints, problems);
                    break;
                case "queueTrigger":
                    CheckQueue(name, trigger, queueFunctions, problems);
                    break;
                default:
                    problems.Add($"{name}: trigger {trigger.GetProperty("type")} is not one this app serves");
                    break;
            }
        }

        return problems;
    }

    private static void CheckHttp(string name, JsonElement trigger, List<JsonElement> bindings, List<RouteEndpoint> endpoints, List<string> problems)
    {
        if (trigger.TryGetProperty("authLevel", out var auth) && auth.GetString() != "anonymous")
        {
            problems.Add($"{name}: authLevel must be anonymous (the app checks keys and signatures itself)");
        }

        if (!bindings.Any(b => b.GetProperty("type").GetString() == "http" && b.GetProperty("direction").GetString() == "out"))
        {
            problems.Add($"{name}: needs an http out binding");
        }

        var route = trigger.TryGetProperty("route", out var r) ? r.GetString()! : name;
        var shape = Shape(RoutePatternFactory.Parse(route));
        var methods = trigger.TryGetProperty("methods", out var m)
            ? m.EnumerateArray().Select(x => x.GetString()!.ToUpperInvariant()).ToList()
            : [];
        if (methods.Count == 0)
        {
            problems.Add($"{name}: list its methods explicitly");
        }

        foreach (var method in methods)
        {
            var served = endpoints.Any(e => Shape(e.RoutePattern) == shape &&
                                            e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods.Contains(method, StringComparer.OrdinalIgnoreCase) == true);
            if (!served)
            {
                problems.Add($"{name}: {method} /{route} is not served by the app");
            }
        }
    }

    private static void CheckQueue(string name, JsonElement trigger, List<QueueFunctionRegistration> registered, List<string> problems)
    {
        var registration = registered.FirstOrDefault(q => q.FunctionName == name);
        if (registration is null)
        {
            problems.Add($"{name}: queue function has no handler registered with AddQueueFunction");
            return;
        }

        if (trigger.GetProperty("queueName").GetString() != registration.QueueName)
        {
            problems.Add($"{name}: function.json reads {trigger.GetProperty("queueName")}, the handler {registration.QueueName}");
        }

        if (trigger.GetProperty("name").GetString() != registration.BindingName)
        {
            problems.Add($"{name}: binding name {trigger.GetProperty("name")} differs from the handler's {registration.BindingName}");
        }

        if (!trigger.TryGetProperty("connection", out var connection) || connection.GetString() != "AzureWebJobsStorage")
        {
            problems.Add($"{name}: connection must be AzureWebJobsStorage");
        }
    }

    /// <summary>A route's shape: literals (case-insensitive) and parameter positions, ignoring names and constraints.</summary>
    private static string Shape(RoutePattern pattern) => string.Join("/", pattern.PathSegments.Select(segment =>
        string.Concat(segment.Parts.Select(part => part switch
        {
            RoutePatternLiteralPart literal => literal.Content.ToLowerInvariant(),
            RoutePatternParameterPart p => "{" + (p.IsCatchAll ? "*" : "") + (p.IsOptional ? "?" : "") + "}",
            _ => part.ToString(),
        }))));
}
