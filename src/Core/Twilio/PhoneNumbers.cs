using System.Text.RegularExpressions;

namespace AgentOS.Voice.Twilio;

/// <summary>The one E.164 check every edge uses (agents, messages, outbound calls).</summary>
public static partial class PhoneNumbers
{
    // \z, not $: $ also matches before a trailing newline, which would let "+15550001299\n" through to Twilio.
    // [0-9], not \d: \d matches every Unicode digit (Arabic-Indic, full-width…).
    [GeneratedRegex(@"^\+[1-9][0-9]{6,14}\z")]
    private static partial Regex E164();

    /// <summary>'+', a non-zero digit, then 6 to 14 more ASCII digits, and nothing else.</summary>
    public static bool IsE164(string? number) => number is not null && E164().IsMatch(number);
}
