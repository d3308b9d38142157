using System.Globalization;
using System.Text.Json;

namespace AgentOS.Voice.Twilio.Rest;

/// <summary>A call as Twilio's REST API describes it (the snake_case JSON of the Calls resource).</summary>
public sealed record CallResource
{
    public required string Sid { get; init; }
    public string? AccountSid { get; init; }
    public string? ParentCallSid { get; init; }

    /// <summary>queued, initiated, ringing, in-progress, completed, busy, no-answer, failed, canceled.</summary>
    public string? Status { get; init; }

    public string? To { get; init; }
    public string? From { get; init; }

    /// <summary>outbound-api for calls we create.</summary>
    public string? Direction { get; init; }

    /// <summary>human, machine_start, machine_end_beep, fax, unknown… when machine detection ran.</summary>
    public string? AnsweredBy { get; init; }

    /// <summary>Seconds, once the call has ended.</summary>
    public int? Duration { get; init; }

    public DateTimeOffset? StartTime { get; init; }
    public DateTimeOffset? EndTime { get; init; }
    public DateTimeOffset? DateCreated { get; init; }
    public DateTimeOffset? DateUpdated { get; init; }

    /// <summary>Negative decimal string as Twilio reports it, e.g. "-0.01300"; null until billed.</summary>
    public string? Price { get; init; }

    public string? PriceUnit { get; init; }
    public string? Uri { get; init; }

    internal static CallResource Parse(JsonElement json) => new()
    {
        Sid = String(json, "sid") ?? throw new JsonException("Twilio's call JSON has no sid."),
        AccountSid = String(json, "account_sid"),
        ParentCallSid = String(json, "parent_call_sid"),
        Status = String(json, "status"),
        To = String(json, "to"),
        From = String(json, "from"),
        Direction = String(json, "direction"),
        AnsweredBy = String(json, "answered_by"),
        Duration = int.TryParse(String(json, "duration"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var d) ? d : null,
        StartTime = TwilioDates.Parse(String(json, "start_time")),
        EndTime = TwilioDates.Parse(String(json, "end_time")),
        DateCreated = TwilioDates.Parse(String(json, "date_created")),
        DateUpdated = TwilioDates.Parse(String(json, "date_updated")),
        Price = String(json, "price"),
        PriceUnit = String(json, "price_unit"),
        Uri = String(json, "uri"),
    };

    // Twilio writes some numbers as strings and others as numbers depending on the field and API age; accept both.
    private static string? String(JsonElement json, string name) =>
        json.TryGetProperty(name, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Number => value.GetRawText(),
                _ => null,
            }
            : null;
}

/// <summary>Twilio's REST and webhook timestamps are RFC 2822 ("Tue, 24 Nov 2026 10:00:00 +0000").</summary>
internal static class TwilioDates
{
    private static readonly string[] Formats = ["ddd, dd MMM yyyy HH:mm:ss zzz", "ddd, d MMM yyyy HH:mm:ss zzz", "r", "o"];

    public static DateTimeOffset? Parse(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        // "+0000" is not a zone .NET's zzz accepts; insert the colon it expects.
        var text = value.Trim();
        if (text.Length > 5 && text[^5] is '+' or '-' && char.IsDigit(text[^1]))
        {
            text = text[..^2] + ":" + text[^2..];
        }

        return DateTimeOffset.TryParseExact(text, Formats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var result)
            ? result
            : null;
    }
}
