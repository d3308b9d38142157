using System.Globalization;

namespace AgentOS.Voice.Twilio.Webhooks;

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
