using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentOS.Voice.Messages;

/// <summary>
/// What the API asks for: <c>POST /api/agents/{agentId}/messages</c> with <c>{to, text, sendAt?, record?, idempotencyKey?, voice?}</c>.
/// </summary>
public sealed record SendVoiceMessageRequest
{
    public string? To { get; init; }
    public string? Text { get; init; }
    public DateTimeOffset? SendAt { get; init; }
    public bool? Record { get; init; }
    public string? IdempotencyKey { get; init; }
    public string? Voice { get; init; }
}

/// <summary>
/// The <c>voice-messages</c> queue message: JSON, base64-encoded as the queue trigger expects. The API writes it with
/// <see cref="MessageId"/> set; outside producers (the AgentOS scheduler) write it directly and must set
/// <see cref="MessageId"/> or <see cref="IdempotencyKey"/>, which is what makes a duplicate enqueue one message.
/// </summary>
public sealed record VoiceMessageJob
{
    public static JsonSerializerOptions JsonOptions { get; } = CreateJsonOptions();

    public string? MessageId { get; init; }
    public string? AgentId { get; init; }
    public string? To { get; init; }
    public string? Text { get; init; }
    public DateTimeOffset? SendAt { get; init; }
    public bool? Record { get; init; }
    public string? IdempotencyKey { get; init; }
    public string? Voice { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <exception cref="VoiceMessageRejectedException">The text is not a job.</exception>
    public static VoiceMessageJob Parse(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<VoiceMessageJob>(json, JsonOptions)
                   ?? throw new VoiceMessageRejectedException("The queue message is JSON null, not a voice message.");
        }
        catch (JsonException e)
        {
            throw new VoiceMessageRejectedException($"The queue message is not a voice message job: {e.Message}");
        }
    }

    /// <summary>The record's id: the one given, else derived from the idempotency key, so every copy maps to one record.</summary>
    public string ResolveMessageId() =>
        MessageId ?? MessageIds.ForIdempotencyKey(AgentId!, IdempotencyKey ?? throw new InvalidOperationException("A job needs a message id or an idempotency key."));

    /// <summary>
    /// The fields (camelCase) in which this job asks for something other than <paramref name="stored"/>, the record
    /// already kept under the same id or idempotency key; empty when it is a copy of the same request. A reused key
    /// with another body is refused rather than silently answered with, or swapped for, the earlier message.
    /// </summary>
    public IReadOnlyList<string> DifferencesFrom(VoiceMessage stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var fields = new List<string>();
        if (!string.Equals(To, stored.To, StringComparison.Ordinal))
        {
            fields.Add("to");
        }

        if (!string.Equals(Text, stored.Text, StringComparison.Ordinal))
        {
            fields.Add("text");
        }

        if (!string.Equals(Voice, stored.Voice, StringComparison.Ordinal))
        {
            fields.Add("voice");
        }

        if (SendAt != stored.SendAt)
        {
            fields.Add("sendAt");
        }

        if ((Record ?? false) != stored.RecordRequested)
        {
            fields.Add("record");
        }

        return fields;
    }

    private static JsonSerializerOptions CreateJsonOptions()
    {
        // Duplicate members are refused: which of two "to"s a reader keeps differs between parsers.
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            AllowDuplicateProperties = false,
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    public static VoiceMessageJob For(VoiceMessage message) => new()
    {
        MessageId = message.Id,
        AgentId = message.AgentId,
        To = message.To,
        Text = message.Text,
        SendAt = message.SendAt,
        Record = message.RecordRequested,
        IdempotencyKey = message.IdempotencyKey,
        Voice = message.Voice,
    };
}

/// <summary>A voice message that can never be sent as written (bad JSON, bad fields, unknown agent). Retrying will not help.</summary>
public sealed class VoiceMessageRejectedException(string message) : Exception(message);
