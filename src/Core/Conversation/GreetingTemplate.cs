using System.Text;

namespace AgentOS.Voice.Conversation;

/// <summary>
/// Fills {placeholders} in an agent's greeting from a call's context. The TwiML side and the session both use it, so
/// the history holds exactly what ConversationRelay spoke. Unknown placeholders are dropped rather than read aloud.
/// </summary>
public static class GreetingTemplate
{
    public static string Fill(string template, IReadOnlyDictionary<string, string>? context)
    {
        if (template.IndexOf('{') < 0)
        {
            return template;
        }

        var result = new StringBuilder(template.Length);
        var i = 0;
        while (i < template.Length)
        {
            var open = template.IndexOf('{', i);
            var close = open < 0 ? -1 : template.IndexOf('}', open + 1);
            if (open < 0 || close < 0)
            {
                result.Append(template, i, template.Length - i);
                break;
            }

            result.Append(template, i, open - i);
            var name = template.AsSpan(open + 1, close - open - 1).Trim().ToString();
            if (context is not null && context.TryGetValue(name, out var value))
            {
                result.Append(value);
            }

            i = close + 1;
        }

        // Dropping a placeholder can leave doubled or dangling spaces ("Hello , there").
        return string.Join(' ', result.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries)).Replace(" ,", ",").Replace(" !", "!").Replace(" .", ".").Replace(" ?", "?");
    }
}
