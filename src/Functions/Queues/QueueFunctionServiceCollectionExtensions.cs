using System.Text.RegularExpressions;
using AgentOS.Voice.Functions.Hosting;
using AgentOS.Voice.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentOS.Voice.Functions.Queues;

public static partial class QueueFunctionServiceCollectionExtensions
{
    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_-]{0,127}$")]
    private static partial Regex FunctionName();

    // Leaves room for the storage prefix (16) and "-poison" within Azure's 63-character queue names.
    [GeneratedRegex("^[a-z0-9](?!.*--)[a-z0-9-]{1,38}[a-z0-9]$")]
    private static partial Regex QueueName();

    /// <summary>
    /// Registers a queue function: <typeparamref name="THandler"/> (scoped) handles messages of <paramref name="queueName"/>
    /// (without the storage prefix), delivered by the Functions host to POST /<paramref name="functionName"/> with the
    /// message under <paramref name="bindingName"/> (the queueTrigger's name in function.json), or read by the local poller.
    /// </summary>
    public static IServiceCollection AddQueueFunction<THandler>(
        this IServiceCollection services, string functionName, string queueName, string bindingName = "message")
        where THandler : class, IQueueMessageHandler
    {
        if (!FunctionName().IsMatch(functionName))
        {
            throw new ArgumentException($"'{functionName}' is not a valid function name.", nameof(functionName));
        }

        if (!QueueName().IsMatch(queueName))
        {
            throw new ArgumentException($"'{queueName}' is not a valid queue name (3–40 lowercase letters, digits, single hyphens).", nameof(queueName));
        }

        if (services.Any(d => d.ImplementationInstance is QueueFunctionRegistration r &&
                              string.Equals(r.FunctionName, functionName, StringComparison.OrdinalIgnoreCase)))
        {
            throw new InvalidOperationException($"A queue function named '{functionName}' is already registered.");
        }

        services.AddQueueFunctionsCore();
        var registration = new QueueFunctionRegistration(functionName, queueName, bindingName, typeof(THandler));
        services.AddSingleton(registration);
        services.TryAddScoped<THandler>();
        services.AddSingleton<IHostedService>(sp => ActivatorUtilities.CreateInstance<LocalQueuePoller>(sp, registration));
        return services;
    }

    /// <summary>What every queue function shares; called by <see cref="AddQueueFunction{THandler}"/>, safe to call again.</summary>
    public static IServiceCollection AddQueueFunctionsCore(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(QueueFunctionInvoker)))
        {
            return services;
        }

        services.AddOptions<QueueFunctionOptions>()
            .BindConfiguration(QueueFunctionOptions.SectionName)
            .PostConfigure<IConfiguration>((o, configuration) =>
            {
                var hosted = !string.IsNullOrEmpty(configuration[CustomHandlerHosting.PortVariable]);
                o.LocalQueuePolling ??= !hosted;
                o.HostInvocation ??= hosted;
            })
            .ValidateDataAnnotations()
            .Validate(o => o.MinPollingInterval <= o.MaxPollingInterval, "Functions:MinPollingInterval must not exceed Functions:MaxPollingInterval.")
            .ValidateOnStart();
        services.AddSingleton<QueueFunctionInvoker>();
        services.AddQueueSender();
        return services;
    }
}
