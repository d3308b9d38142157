using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;

namespace AgentOS.Voice.Functions.Queues;

/// <summary>
/// The custom-handler side of a queue trigger: the host POSTs <c>{"Data":{binding: message},"Metadata":{…}}</c> to
/// /{FunctionName}; we answer 200 with <c>{"Outputs":{},"Logs":[…],"ReturnValue":null}</c>, or 500 so the host counts a
/// failed attempt (retry, then its own move to the poison queue).
/// </summary>
public static class QueueInvocationEndpoints
{
    public static IEndpointRouteBuilder MapQueueFunctions(this IEndpointRouteBuilder endpoints)
    {
        var options = endpoints.ServiceProvider.GetService<IOptions<QueueFunctionOptions>>()?.Value;
        if (options?.HostInvocation != true)
        {
            return endpoints;
        }

        foreach (var function in endpoints.ServiceProvider.GetServices<QueueFunctionRegistration>())
        {
            endpoints.MapPost("/" + function.FunctionName,
                    (HttpRequest request, QueueFunctionInvoker invoker, CancellationToken cancellationToken) =>
                        InvokeAsync(function, request, invoker, cancellationToken))
                .WithName(function.FunctionName)
                .ExcludeFromDescription();
        }

        return endpoints;
    }

    private static async Task<IResult> InvokeAsync(
        QueueFunctionRegistration function, HttpRequest request, QueueFunctionInvoker invoker, CancellationToken cancellationToken)
    {
        QueueMessageContext message;
        try
        {
            using var payload = await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken);
            message = Read(function, payload.RootElement);
        }
        catch (Exception e) when (e is JsonException or InvalidDataException)
        {
            return Answer(StatusCodes.Status400BadRequest, $"{function.FunctionName}: unreadable invocation payload: {e.Message}");
        }

        var result = await invoker.InvokeAsync(function, message, cancellationToken);
        if (result.Succeeded)
        {
            return Answer(StatusCodes.Status200OK, $"{function.FunctionName} handled message {message.Id} (attempt {message.DequeueCount}).");
        }

        return Answer(StatusCodes.Status500InternalServerError,
            $"{function.FunctionName} failed message {message.Id} (attempt {message.DequeueCount}): {result.FailureReason}",
            result.Poisoned ? "Last allowed attempt: the host moves the message to the poison queue." : null);
    }

    private static QueueMessageContext Read(QueueFunctionRegistration function, JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object ||
            !root.TryGetProperty("Data", out var data) || data.ValueKind != JsonValueKind.Object ||
            !data.TryGetProperty(function.BindingName, out var body))
        {
            throw new InvalidDataException($"Data.{function.BindingName} is missing.");
        }

        // The host passes the message as a string; a JSON message may arrive already parsed, so take its raw text then.
        var text = body.ValueKind switch
        {
            JsonValueKind.String => body.GetString()!,
            JsonValueKind.Object or JsonValueKind.Array => body.GetRawText(),
            _ => throw new InvalidDataException($"Data.{function.BindingName} must be the message text."),
        };

        var metadata = root.TryGetProperty("Metadata", out var m) && m.ValueKind == JsonValueKind.Object ? m : default;
        return new QueueMessageContext(
            function.FunctionName,
            function.QueueName,
            text,
            MetadataString(metadata, "Id") ?? string.Empty,
            MetadataLong(metadata, "DequeueCount") ?? 1,
            DateTimeOffset.TryParse(MetadataString(metadata, "InsertionTime"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var inserted)
                ? inserted
                : null);
    }

    private static string? MetadataString(JsonElement metadata, string name) =>
        metadata.ValueKind == JsonValueKind.Object && metadata.TryGetProperty(name, out var value)
            ? value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText()
            : null;

    private static long? MetadataLong(JsonElement metadata, string name) =>
        long.TryParse(MetadataString(metadata, name)?.Trim('"'), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;

    private static IResult Answer(int status, params string?[] logs) =>
        Results.Json(new InvocationResponse(logs.OfType<string>().ToArray()), statusCode: status);

    /// <summary>The host's response contract; names are PascalCase whatever the app's JSON naming policy is.</summary>
    private sealed record InvocationResponse(
        [property: JsonPropertyName("Logs")] string[] Logs)
    {
        [JsonPropertyName("Outputs")]
        public Dictionary<string, object> Outputs { get; } = [];

        [JsonPropertyName("ReturnValue")]
        [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
        public object? ReturnValue => null;
    }
}
