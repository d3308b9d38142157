using System.Text.Json;
using Microsoft.Extensions.AI;

namespace AgentOS.Voice.Llm;

/// <summary>
/// Writes the body of OpenAI's <c>POST /chat/completions</c> for a streamed answer, straight to UTF-8: the fields the
/// OpenAI SDK sent for the same conversation and options (model, messages with tool calls and tool results,
/// temperature, max_completion_tokens, tools with tool_choice "auto", stream with include_usage). One difference: a
/// tool's parameter schema goes as the tool declares it, where the SDK's adapter rewrote it (adding
/// <c>"additionalProperties": false</c>), which OpenAI requires only in strict mode (<c>strict</c> defaults to false
/// and is not sent).
/// </summary>
internal static class OpenAIChatRequest
{
    public static byte[] Write(string model, IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        using var body = new MemoryStream(1024);
        using (var json = new Utf8JsonWriter(body))
        {
            json.WriteStartObject();
            json.WriteString("model", options?.ModelId ?? model);
            json.WriteStartArray("messages");
            foreach (var message in messages)
            {
                WriteMessage(json, message);
            }

            json.WriteEndArray();
            if (options?.Temperature is { } temperature)
            {
                json.WriteNumber("temperature", temperature);
            }

            if (options?.TopP is { } topP)
            {
                json.WriteNumber("top_p", topP);
            }

            if (options?.MaxOutputTokens is { } maxTokens)
            {
                json.WriteNumber("max_completion_tokens", maxTokens);
            }

            if (options?.StopSequences is { Count: > 0 } stops)
            {
                json.WriteStartArray("stop");
                foreach (var stop in stops)
                {
                    json.WriteStringValue(stop);
                }

                json.WriteEndArray();
            }

            WriteTools(json, options);
            WriteResponseFormat(json, options?.ResponseFormat);
            json.WriteBoolean("stream", true);
            // The usage chunk is how a call's token counts reach its record.
            json.WriteStartObject("stream_options");
            json.WriteBoolean("include_usage", true);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return body.ToArray();
    }

    /// <summary>
    /// A call's outcome is asked for as JSON against its schema; without <c>response_format</c> the model is free to
    /// answer in prose, which the summary cannot be read from. Not strict: strict mode accepts only schemas that require
    /// every property and forbid others, which an agent's outcome schema need not do.
    /// </summary>
    private static void WriteResponseFormat(Utf8JsonWriter json, ChatResponseFormat? format)
    {
        if (format is not ChatResponseFormatJson jsonFormat)
        {
            return;
        }

        json.WriteStartObject("response_format");
        if (jsonFormat.Schema is not { } schema)
        {
            json.WriteString("type", "json_object");
        }
        else
        {
            json.WriteString("type", "json_schema");
            json.WriteStartObject("json_schema");
            json.WriteString("name", jsonFormat.SchemaName ?? "json_schema");
            if (!string.IsNullOrEmpty(jsonFormat.SchemaDescription))
            {
                json.WriteString("description", jsonFormat.SchemaDescription);
            }

            json.WritePropertyName("schema");
            schema.WriteTo(json);
            json.WriteEndObject();
        }

        json.WriteEndObject();
    }

    private static void WriteMessage(Utf8JsonWriter json, ChatMessage message)
    {
        if (message.Role == ChatRole.Tool)
        {
            // One "tool" message per result, each naming the call it answers.
            foreach (var result in message.Contents.OfType<FunctionResultContent>())
            {
                json.WriteStartObject();
                json.WriteString("role", "tool");
                json.WriteString("tool_call_id", result.CallId);
                json.WritePropertyName("content");
                WriteResult(json, result.Result);
                json.WriteEndObject();
            }

            return;
        }

        json.WriteStartObject();
        json.WriteString("role", message.Role.Value);
        var text = message.Text;
        // Only an assistant message carries tool calls; the system and user messages of every turn need no list.
        var calls = message.Role == ChatRole.Assistant ? message.Contents.OfType<FunctionCallContent>().ToList() : null;
        if (text.Length > 0 || calls is not { Count: > 0 })
        {
            json.WriteString("content", text);
        }

        if (calls is { Count: > 0 })
        {
            json.WriteStartArray("tool_calls");
            foreach (var call in calls)
            {
                json.WriteStartObject();
                json.WriteString("id", call.CallId);
                json.WriteString("type", "function");
                json.WriteStartObject("function");
                json.WriteString("name", call.Name);
                // The API takes the arguments as a JSON document inside a string.
                json.WriteString("arguments", JsonSerializer.Serialize(call.Arguments ?? new Dictionary<string, object?>(), AIJsonUtilities.DefaultOptions));
                json.WriteEndObject();
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();
    }

    private static void WriteResult(Utf8JsonWriter json, object? result)
    {
        switch (result)
        {
            case string s:
                json.WriteStringValue(s);
                break;
            case null:
                json.WriteStringValue("");
                break;
            default:
                json.WriteStringValue(JsonSerializer.Serialize(result, AIJsonUtilities.DefaultOptions));
                break;
        }
    }

    private static void WriteTools(Utf8JsonWriter json, ChatOptions? options)
    {
        var functions = options?.Tools?.OfType<AIFunctionDeclaration>().ToList();
        if (functions is not { Count: > 0 })
        {
            return;
        }

        json.WriteStartArray("tools");
        foreach (var function in functions)
        {
            json.WriteStartObject();
            json.WriteString("type", "function");
            json.WriteStartObject("function");
            json.WriteString("name", function.Name);
            if (!string.IsNullOrEmpty(function.Description))
            {
                json.WriteString("description", function.Description);
            }

            json.WritePropertyName("parameters");
            function.JsonSchema.WriteTo(json);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WritePropertyName("tool_choice");
        switch (options!.ToolMode)
        {
            case NoneChatToolMode:
                json.WriteStringValue("none");
                break;
            case RequiredChatToolMode { RequiredFunctionName: { } name }:
                json.WriteStartObject();
                json.WriteString("type", "function");
                json.WriteStartObject("function");
                json.WriteString("name", name);
                json.WriteEndObject();
                json.WriteEndObject();
                break;
            case RequiredChatToolMode:
                json.WriteStringValue("required");
                break;
            default:
                json.WriteStringValue("auto");
                break;
        }
    }
}
