using System.Text.Json;
using Microsoft.Extensions.AI;

namespace AgentOS.Voice.Llm;

/// <summary>
/// Reads one streamed answer of OpenAI's chat completions, one SSE <c>data:</c> payload at a time, into
/// <see cref="ChatResponseUpdate"/>s: content deltas as text at once, tool-call deltas gathered
/// (<see cref="OpenAIToolCallDeltas"/>) and given as <see cref="FunctionCallContent"/> with the finish reason, the
/// usage chunk as <see cref="UsageContent"/>, an <c>error</c> object as <see cref="LlmProviderException"/>. Read with
/// <see cref="Utf8JsonReader"/> over the event's bytes: a token costs its string and the update that carries it (a
/// <see cref="TextContent"/> in a one-element array), nothing more.
/// </summary>
internal sealed class OpenAIChatStream(string model)
{
    private static ReadOnlySpan<byte> DoneMarker => "[DONE]"u8;

    private readonly OpenAIToolCallDeltas _toolCalls = new();
    private string? _id;
    private string? _model;
    private DateTimeOffset? _created;

    /// <summary>True once <c>[DONE]</c> arrived: the provider ended the stream as it should.</summary>
    public bool Done { get; private set; }

    /// <summary>True once a choice carried its finish reason: the answer is whole even if <c>[DONE]</c> never comes.</summary>
    public bool Finished { get; private set; }

    /// <summary>The update one event carries, or null for events with nothing to pass on (the role chunk, [DONE]).</summary>
    public ChatResponseUpdate? Read(ReadOnlySpan<byte> data)
    {
        if (Done || data.SequenceEqual(DoneMarker))
        {
            Done = true;
            return null;
        }

        var reader = new Utf8JsonReader(data);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new LlmProviderException(null, null, null, "The model provider sent a stream event that is not a JSON object.");
        }

        var chunk = new Chunk();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("choices"u8))
            {
                reader.Read();
                ReadChoices(ref reader, ref chunk);
            }
            else if (reader.ValueTextEquals("usage"u8))
            {
                reader.Read();
                chunk.Usage = ReadUsage(ref reader);
            }
            else if (reader.ValueTextEquals("error"u8))
            {
                reader.Read();
                throw ReadError(ref reader, status: null);
            }
            else if (reader.ValueTextEquals("id"u8))
            {
                reader.Read();
                // Every chunk repeats the id, model and time; reading them once keeps a token at one string.
                KeepFirst(ref reader, ref _id);
            }
            else if (reader.ValueTextEquals("model"u8))
            {
                reader.Read();
                KeepFirst(ref reader, ref _model);
            }
            else if (reader.ValueTextEquals("created"u8))
            {
                reader.Read();
                if (_created is null && reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var seconds))
                {
                    _created = DateTimeOffset.FromUnixTimeSeconds(seconds);
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return ToUpdate(chunk);
    }

    /// <summary>Tool calls still held when the stream ended without a finish reason, or null.</summary>
    public ChatResponseUpdate? Flush() => _toolCalls.Count == 0 ? null : NewUpdate([.. _toolCalls.Take()], ChatFinishReason.ToolCalls);

    /// <summary>Reads an OpenAI error object (<c>{"message":…,"type":…,"code":…}</c>), positioned on its start.</summary>
    internal static LlmProviderException ReadError(ref Utf8JsonReader reader, int? status)
    {
        string? message = null, type = null, code = null;
        if (reader.TokenType == JsonTokenType.StartObject)
        {
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                reader.Read();
                var value = StringOrSkip(ref reader);
                switch (name)
                {
                    case "message": message = value; break;
                    case "type": type = value; break;
                    case "code": code = value; break;
                }
            }
        }
        else if (reader.TokenType == JsonTokenType.String)
        {
            message = reader.GetString();
        }

        var what = status is { } s ? $"The model provider answered {s}" : "The model provider sent an error in the stream";
        return new LlmProviderException(status, type, code, $"{what}{(type is null ? "" : $" ({type})")}: {message ?? "no message"}");
    }

    private void ReadChoices(ref Utf8JsonReader reader, ref Chunk chunk)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return;
        }

        // One choice is asked for (no "n"), so every choice's deltas belong to the one answer.
        while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("delta"u8))
                {
                    reader.Read();
                    ReadDelta(ref reader, ref chunk);
                }
                else if (reader.ValueTextEquals("finish_reason"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String)
                    {
                        chunk.FinishReason = FinishReasonOf(reader.GetString()!);
                    }
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
    }

    private void ReadDelta(ref Utf8JsonReader reader, ref Chunk chunk)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("content"u8))
            {
                reader.Read();
                // The role chunk's empty content is no text; null content is none either.
                if (reader.TokenType == JsonTokenType.String && (reader.ValueIsEscaped || reader.ValueSpan.Length > 0))
                {
                    chunk.Text += reader.GetString();
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("tool_calls"u8))
            {
                reader.Read();
                _toolCalls.Read(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    private static UsageDetails? ReadUsage(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return null;
        }

        var usage = new UsageDetails();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("prompt_tokens"u8))
            {
                reader.Read();
                usage.InputTokenCount = CountOrSkip(ref reader);
            }
            else if (reader.ValueTextEquals("completion_tokens"u8))
            {
                reader.Read();
                usage.OutputTokenCount = CountOrSkip(ref reader);
            }
            else if (reader.ValueTextEquals("total_tokens"u8))
            {
                reader.Read();
                usage.TotalTokenCount = CountOrSkip(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return usage;
    }

    private ChatResponseUpdate? ToUpdate(in Chunk chunk)
    {
        if (chunk.Text is null && chunk.Usage is null && chunk.FinishReason is null)
        {
            return null;
        }

        if (chunk is { Text: { } token, Usage: null, FinishReason: null })
        {
            // The common case, one per token: a one-element array is one object less than a list.
            return NewUpdate(new AIContent[] { new TextContent(token) }, finishReason: null);
        }

        var contents = new List<AIContent>(2);
        if (chunk.Text is { } text)
        {
            contents.Add(new TextContent(text));
        }

        if (chunk.FinishReason is not null)
        {
            Finished = true;
            contents.AddRange(_toolCalls.Take());
        }

        if (chunk.Usage is { } usage)
        {
            contents.Add(new UsageContent(usage));
        }

        return NewUpdate(contents, chunk.FinishReason);
    }

    private ChatResponseUpdate NewUpdate(IList<AIContent> contents, ChatFinishReason? finishReason) => new(ChatRole.Assistant, contents)
    {
        ResponseId = _id,
        MessageId = _id,
        ModelId = _model ?? model,
        CreatedAt = _created,
        FinishReason = finishReason,
    };

    /// <summary>Reads a string into <paramref name="field"/> unless an earlier chunk already gave it.</summary>
    private static void KeepFirst(ref Utf8JsonReader reader, ref string? field)
    {
        if (field is null)
        {
            field = StringOrSkip(ref reader);
        }
        else
        {
            reader.Skip();
        }
    }

    /// <summary>The string the reader is on, or null after skipping whatever else is there (null, a number, an object).</summary>
    internal static string? StringOrSkip(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return reader.GetString();
        }

        reader.Skip();
        return null;
    }

    private static long? CountOrSkip(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var count))
        {
            return count;
        }

        reader.Skip();
        return null;
    }

    private static ChatFinishReason FinishReasonOf(string value) => value switch
    {
        "stop" => ChatFinishReason.Stop,
        "length" => ChatFinishReason.Length,
        "tool_calls" or "function_call" => ChatFinishReason.ToolCalls,
        "content_filter" => ChatFinishReason.ContentFilter,
        _ => new ChatFinishReason(value),
    };

    private struct Chunk
    {
        public string? Text;
        public UsageDetails? Usage;
        public ChatFinishReason? FinishReason;
    }
}
