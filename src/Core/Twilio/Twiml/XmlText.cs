using System.Text;

namespace AgentOS.Voice.Twilio.Twiml;

/// <summary>
/// Which characters XML 1.0 can carry. Text that ends up in TwiML (greetings, menu text, message text, context values)
/// is refused at the edge when it holds any other, because <see cref="System.Xml.XmlWriter"/> throws on them and a
/// call would then get an application error; TwiML writing also strips them, in case such text was stored before.
/// </summary>
public static class XmlText
{
    /// <summary>The index of the first character XML 1.0 cannot hold (a control character, U+FFFE/U+FFFF, a lone surrogate); -1 when there is none.</summary>
    public static int FirstInvalid(string? text)
    {
        if (text is null)
        {
            return -1;
        }

        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }

            if (!IsValid(c))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>A client-facing description of the first bad character, or null when the text is valid.</summary>
    public static string? Problem(string? text) => FirstInvalid(text) is var at and >= 0
        ? $"Contains U+{(int)text![at]:X4} at position {at}, which cannot be spoken or written in TwiML (control characters, U+FFFE, U+FFFF and unpaired surrogates are not allowed)."
        : null;

    /// <summary>The text without the characters XML cannot hold; the same instance when it has none.</summary>
    public static string Strip(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var first = FirstInvalid(text);
        if (first < 0)
        {
            return text;
        }

        var kept = new StringBuilder(text.Length).Append(text, 0, first);
        for (var i = first + 1; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                kept.Append(c).Append(text[++i]);
            }
            else if (IsValid(c))
            {
                kept.Append(c);
            }
        }

        return kept.ToString();
    }

    // XML 1.0 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF] (the last as surrogate pairs).
    private static bool IsValid(char c) => c is '\t' or '\n' or '\r' or (>= '\x20' and <= '\uD7FF') or (>= '\uE000' and <= '\uFFFD');
}
