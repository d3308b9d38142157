using System.Reflection;
using Azure.Storage.Queues.Models;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Azure.Functions.Worker;

namespace AgentOS.Voice.FunctionsRunner;

/// <summary>What one invocation's parameters are bound from.</summary>
internal sealed record Invocation(HttpContext? Http, QueueMessage? Message, CancellationToken CancellationToken, TimerInfo? Timer = null);

/// <summary>
/// A function's method found from its functions.metadata entry point, with every parameter's binding decided when the
/// runner starts: a parameter the runner cannot bind, or a return type it cannot answer with, stops the start with the
/// function's name rather than failing its first request. An instance of the function's class is created per
/// invocation from that invocation's services, as the worker does.
/// </summary>
internal sealed class FunctionMethod
{
    private readonly MethodInfo _method;
    private readonly ObjectFactory? _factory;
    private readonly Func<Invocation, object?>[] _arguments;

    private FunctionMethod(FunctionMetadata metadata, MethodInfo method, Func<Invocation, object?>[] arguments)
    {
        Metadata = metadata;
        _method = method;
        _arguments = arguments;
        _factory = method.IsStatic ? null : ActivatorUtilities.CreateFactory(method.DeclaringType!, Type.EmptyTypes);
    }

    public FunctionMetadata Metadata { get; }

    public static FunctionMethod Resolve(FunctionMetadata metadata)
    {
        var assembly = Assembly.Load(Path.GetFileNameWithoutExtension(metadata.ScriptFile));
        var dot = metadata.EntryPoint.LastIndexOf('.');
        var type = assembly.GetType(metadata.EntryPoint[..dot])
                   ?? throw Unsupported(metadata, $"its class {metadata.EntryPoint[..dot]} is not in {metadata.ScriptFile}");
        var method = type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static)
                         .SingleOrDefault(m => m.Name == metadata.EntryPoint[(dot + 1)..] && m.GetCustomAttribute<FunctionAttribute>()?.Name == metadata.Name)
                     ?? throw Unsupported(metadata, $"no public method {metadata.EntryPoint} carries [Function(\"{metadata.Name}\")]");
        if (!IsAnswerable(method.ReturnType))
        {
            throw Unsupported(metadata, $"it returns {method.ReturnType.Name}; the runner answers IResult, Task<IResult>, Task or void");
        }

        var trigger = metadata.Trigger;
        var routeParameters = trigger.Type == "httpTrigger" && trigger.Route is { } route
            ? RoutePatternFactory.Parse(route).Parameters.Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase)
            : [];
        var arguments = method.GetParameters().Select(p => Binder(metadata, trigger, routeParameters, p)).ToArray();
        return new FunctionMethod(metadata, method, arguments);
    }

    /// <summary>Runs the function; the value it answers with (an IResult for HTTP functions), or null.</summary>
    public async Task<object?> InvokeAsync(IServiceProvider services, Invocation invocation)
    {
        var instance = _factory?.Invoke(services, null);
        try
        {
            var arguments = new object?[_arguments.Length];
            for (var i = 0; i < arguments.Length; i++)
            {
                arguments[i] = _arguments[i](invocation);
            }

            object? returned;
            try
            {
                returned = _method.Invoke(instance, arguments);
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException);
                throw;
            }

            switch (returned)
            {
                case Task<IResult> result:
                    return await result.ConfigureAwait(false);
                case Task task:
                    await task.ConfigureAwait(false);
                    return null;
                default:
                    return returned;
            }
        }
        finally
        {
            switch (instance)
            {
                case IAsyncDisposable asyncDisposable:
                    await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                    break;
                case IDisposable disposable:
                    disposable.Dispose();
                    break;
            }
        }
    }

    private static Func<Invocation, object?> Binder(FunctionMetadata metadata, BindingMetadata trigger, HashSet<string> routeParameters, ParameterInfo parameter)
    {
        var type = parameter.ParameterType;
        if (type == typeof(CancellationToken))
        {
            return i => i.CancellationToken;
        }

        if (string.Equals(parameter.Name, trigger.Name, StringComparison.Ordinal))
        {
            return (trigger.Type, type) switch
            {
                ("httpTrigger", _) when type == typeof(HttpRequest) => i => i.Http!.Request,
                ("queueTrigger", _) when type == typeof(QueueMessage) => i => i.Message,
                ("queueTrigger", _) when type == typeof(string) => i => i.Message!.MessageText,
                ("queueTrigger", _) when type == typeof(BinaryData) => i => i.Message!.Body,
                ("queueTrigger", _) when type == typeof(byte[]) => i => i.Message!.Body.ToArray(),
                ("timerTrigger", _) when type == typeof(TimerInfo) => i => i.Timer,
                _ => throw Unsupported(metadata, $"its {trigger.Type} parameter '{parameter.Name}' is a {type.Name}"),
            };
        }

        if (parameter.Name is { } name && routeParameters.Contains(name))
        {
            var target = Nullable.GetUnderlyingType(type) ?? type;
            var converter = System.ComponentModel.TypeDescriptor.GetConverter(target);
            return i => i.Http!.Request.RouteValues.TryGetValue(name, out var value) && value?.ToString() is { } text
                ? converter.ConvertFromInvariantString(text)
                : parameter.HasDefaultValue ? parameter.DefaultValue : null;
        }

        throw Unsupported(metadata, $"the runner cannot bind parameter '{parameter.Name}' ({type.Name}): it binds the trigger, route values and CancellationToken");
    }

    private static bool IsAnswerable(Type returnType) =>
        returnType == typeof(void) || returnType == typeof(Task) || returnType == typeof(IResult) || returnType == typeof(Task<IResult>);

    private static InvalidOperationException Unsupported(FunctionMetadata metadata, string why) =>
        new($"Function {metadata.Name} ({metadata.EntryPoint}) cannot be served by the local runner: {why}.");
}
