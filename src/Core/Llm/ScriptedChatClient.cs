using System.Runtime.CompilerServices;
using System.Text.Json;
using AgentOS.Voice.Agents;
using Microsoft.Extensions.AI;

namespace AgentOS.Voice.Llm;

/// <summary>
/// The deterministic offline stand-in for a model, so the product runs and is tested without keys. It is not a model
/// and says so in its metadata (provider "scripted"). It answers the last caller message with the first
/// <see cref="ScriptStep"/> whose <see cref="ScriptStep.WhenCallerSays"/> the message contains (case-insensitive; null
/// matches anything), streaming the reply word by word, then the step's tool call if it has one.
/// </summary>
public sealed class ScriptedChatClient : IChatClient
{
    public const string ProviderName = LlmProviders.Scripted;

    public const string FallbackReply =
        "Sorry, I can only help with a few things in this demo. You can ask for a person, switch to Spanish, or say goodbye.";

    /// <summary>Used when an agent has no script of its own.</summary>
    public static IReadOnlyList<ScriptStep> DefaultScript { get; } =
    [
        new("human", "Of course. Let me connect you with a person.", LlmToolNames.Handoff),
        new("agent", "Of course. Let me connect you with a person.", LlmToolNames.Handoff),
        new("person", "Of course. Let me connect you with a person.", LlmToolNames.Handoff),
        new("bye", "Thank you for calling. Goodbye!", LlmToolNames.EndCall),
        new("español", "¡Claro! Seguimos en español.", LlmToolNames.SwitchLanguage + ":es-ES"),
        new("spanish", "¡Claro! Seguimos en español.", LlmToolNames.SwitchLanguage + ":es-ES"),
        new("hello", "Hello! I am the scripted demo assistant. You can ask for a person, switch to Spanish, or say goodbye."),
    ];

    private static readonly ChatClientMetadata Metadata = new(ProviderName, providerUri: null, defaultModelId: ProviderName);

    private readonly IReadOnlyList<ScriptStep> _script;
    private readonly TimeSpan _tokenDelay;
    private readonly TimeProvider _time;

    /// <param name="script">The agent's steps; an empty list means <see cref="DefaultScript"/>.</param>
    /// <param name="tokenDelay">Wait before each token, to mimic a model's pace; zero streams at once.</param>
    public ScriptedChatClient(IReadOnlyList<ScriptStep> script, TimeSpan tokenDelay = default, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(script);
        ArgumentOutOfRangeException.ThrowIfLessThan(tokenDelay, TimeSpan.Zero);
        _script = script.Count == 0 ? DefaultScript : script;
        _tokenDelay = tokenDelay;
        _time = timeProvider ?? TimeProvider.System;
    }

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken);

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        cancellationToken.ThrowIfCancellationRequested();

        if (options?.ResponseFormat is ChatResponseFormatJson { Schema: { } schema })
        {
            await PaceAsync(cancellationToken).ConfigureAwait(false);
            yield return Update(Guid.NewGuid().ToString("N"), _time.GetUtcNow(), new TextContent(ScriptedStructuredOutput.Fill(schema, messages)));
            yield break;
        }

        var callerSaid = LastCallerText(messages);
        var toolAnswer = AnswerToToolResult(messages);
        var step = toolAnswer is null ? Match(callerSaid) : null;
        var reply = toolAnswer ?? step?.Reply ?? FallbackReply;
        var responseId = Guid.NewGuid().ToString("N");
        var createdAt = _time.GetUtcNow();

        var start = 0;
        while (start < reply.Length)
        {
            var end = reply.IndexOf(' ', start);
            // A word keeps its trailing space so the tokens concatenate to the reply, as a model's tokens do.
            var token = end < 0 ? reply[start..] : reply[start..(end + 1)];
            start = end < 0 ? reply.Length : end + 1;

            await PaceAsync(cancellationToken).ConfigureAwait(false);
            yield return Update(responseId, createdAt, new TextContent(token));
        }

        ChatFinishReason finish = ChatFinishReason.Stop;
        if (step?.Tool is { } tool)
        {
            await PaceAsync(cancellationToken).ConfigureAwait(false);
            yield return Update(responseId, createdAt, ToolCall(tool, callerSaid, options));
            finish = ChatFinishReason.ToolCalls;
        }

        cancellationToken.ThrowIfCancellationRequested();
        yield return new ChatResponseUpdate(ChatRole.Assistant, (IList<AIContent>?)null)
        {
            ResponseId = responseId,
            MessageId = responseId,
            ModelId = ProviderName,
            CreatedAt = createdAt,
            FinishReason = finish,
        };
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        return serviceType == typeof(ChatClientMetadata) ? Metadata
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    public void Dispose()
    {
    }

    private ScriptStep? Match(string callerSaid)
    {
        foreach (var step in _script)
        {
            if (step.WhenCallerSays is null || callerSaid.Contains(step.WhenCallerSays, StringComparison.OrdinalIgnoreCase))
            {
                return step;
            }
        }

        return null;
    }

    private static string LastCallerText(IEnumerable<ChatMessage> messages)
    {
        if (messages is IReadOnlyList<ChatMessage> list)
        {
            for (var i = list.Count - 1; i >= 0; i--)
            {
                if (list[i].Role == ChatRole.User)
                {
                    return list[i].Text;
                }
            }

            return string.Empty;
        }

        return messages.LastOrDefault(m => m.Role == ChatRole.User)?.Text ?? string.Empty;
    }

    private Task PaceAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return _tokenDelay == TimeSpan.Zero ? Task.CompletedTask : Task.Delay(_tokenDelay, _time, cancellationToken);
    }

    /// <summary>
    /// When the model is asked again after a tool ran, what it says: nothing after a built-in tool (the step's reply
    /// was already spoken), and for an agent's own tool the answer's <c>say</c> text, else a plain "Done."; null when
    /// the last message is not a tool result.
    /// </summary>
    private static string? AnswerToToolResult(IEnumerable<ChatMessage> messages)
    {
        var last = messages.LastOrDefault();
        if (last?.Role != ChatRole.Tool || last.Contents.OfType<FunctionResultContent>().FirstOrDefault() is not { } result)
        {
            return null;
        }

        var call = messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().LastOrDefault(c => c.CallId == result.CallId);
        if (call?.Name is LlmToolNames.Handoff or LlmToolNames.EndCall or LlmToolNames.SwitchLanguage)
        {
            return string.Empty;
        }

        try
        {
            using var answer = JsonDocument.Parse(result.Result?.ToString() ?? string.Empty);
            return answer.RootElement.ValueKind == JsonValueKind.Object && answer.RootElement.TryGetProperty("say", out var say) && say.ValueKind == JsonValueKind.String
                ? say.GetString()
                : "Done.";
        }
        catch (JsonException)
        {
            return "Done.";
        }
    }

    /// <summary>
    /// Tool is "handoff", "end_call", "switch_language:xx-XX" (the language after the colon) or the name of one of the
    /// agent's tools, whose string parameters all get the caller's words (a script cannot extract values).
    /// </summary>
    private static FunctionCallContent ToolCall(string tool, string callerSaid, ChatOptions? options)
    {
        var colon = tool.IndexOf(':');
        var name = colon < 0 ? tool : tool[..colon];
        var arguments = new Dictionary<string, object?>(1);
        switch (name)
        {
            case LlmToolNames.Handoff:
                arguments[LlmToolNames.ReasonArgument] = $"The caller said: {callerSaid}";
                break;
            case LlmToolNames.EndCall:
                // The goodbye was streamed as the reply; passing it again would make the session say it twice.
                break;
            case LlmToolNames.SwitchLanguage when colon > 0:
                arguments[LlmToolNames.LanguageArgument] = tool[(colon + 1)..];
                break;
            default:
                var declaration = options?.Tools?.OfType<AIFunctionDeclaration>().FirstOrDefault(t => t.Name == name);
                if (declaration is not null && declaration.JsonSchema.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object)
                {
                    foreach (var property in properties.EnumerateObject())
                    {
                        if (property.Value.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "string")
                        {
                            arguments[property.Name] = callerSaid;
                        }
                    }
                }

                break;
        }

        return new FunctionCallContent("call_" + Guid.NewGuid().ToString("N"), name, arguments);
    }

    private static ChatResponseUpdate Update(string responseId, DateTimeOffset createdAt, AIContent content) =>
        new(ChatRole.Assistant, [content])
        {
            ResponseId = responseId,
            MessageId = responseId,
            ModelId = ProviderName,
            CreatedAt = createdAt,
        };
}
