using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace AgentOS.Voice.Llm;

/// <summary>
/// Gathers the tool calls of one streamed OpenAI answer: the first delta of a call carries its index, id and name, the
/// ones after it pieces of its arguments (a JSON document in a string), keyed by the same index.
/// </summary>
internal sealed class OpenAIToolCallDeltas
{
    private readonly SortedDictionary<int, ToolCallBuilder> _calls = [];

    public int Count => _calls.Count;

    /// <summary>Reads a delta's <c>tool_calls</c> array, positioned on its start.</summary>
    public void Read(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            int index = 0;
            string? id = null, name = null, arguments = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("function"u8))
                {
                    reader.Read();
                    ReadFunction(ref reader, ref name, ref arguments);
                }
                else if (reader.ValueTextEquals("index"u8))
                {
                    reader.Read();
                    index = reader.TokenType == JsonTokenType.Number ? reader.GetInt32() : 0;
                }
                else if (reader.ValueTextEquals("id"u8))
                {
                    reader.Read();
                    id = OpenAIChatStream.StringOrSkip(ref reader);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            if (!_calls.TryGetValue(index, out var call))
            {
                _calls[index] = call = new ToolCallBuilder();
            }

            call.Id ??= id;
            call.Name ??= name;
            call.Arguments.Append(arguments);
        }
    }

    /// <summary>A tool call's <c>function</c>: its name (first delta only) and a piece of its arguments.</summary>
    private static void ReadFunction(ref Utf8JsonReader reader, ref string? name, ref string? arguments)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("name"u8))
            {
                reader.Read();
                name = OpenAIChatStream.StringOrSkip(ref reader);
            }
            else if (reader.ValueTextEquals("arguments"u8))
            {
                reader.Read();
                arguments = OpenAIChatStream.StringOrSkip(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    /// <summary>The calls gathered so far, whole, in index order; the gatherer is empty again after.</summary>
    public List<FunctionCallContent> Take()
    {
        var calls = new List<FunctionCallContent>(_calls.Count);
        foreach (var call in _calls.Values)
        {
            calls.Add(FunctionCallContent.CreateFromParsedArguments(call.Arguments.ToString(), call.Id ?? "", call.Name ?? "", ParseArguments));
        }

        _calls.Clear();
        return calls;
    }

    private static IDictionary<string, object?>? ParseArguments(string json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return new Dictionary<string, object?>();
        }

        using var document = JsonDocument.Parse(json);
        var arguments = new Dictionary<string, object?>();
        foreach (var property in document.RootElement.EnumerateObject())
        {
            arguments[property.Name] = property.Value.Clone();
        }

        return arguments;
    }

    private sealed class ToolCallBuilder
    {
        public string? Id;
        public string? Name;
        public StringBuilder Arguments { get; } = new();
    }
}
