using System.Text;
using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;

namespace AgentOS.Voice.Storage;

/// <summary>
/// Queue messages as the Functions queue trigger expects them: its default <c>messageEncoding</c> is base64, so producers
/// must base64-encode the UTF-8 text or the trigger cannot read the message. Every producer (API endpoints, the AgentOS
/// scheduler, tests) goes through here so the encoding lives in one place.
/// </summary>
public static class QueueTriggerEncoding
{
    /// <summary>Azure Queue Storage's limit for a message's initial invisibility.</summary>
    public static readonly TimeSpan MaxInitialVisibilityDelay = TimeSpan.FromDays(7);

    public static string Encode(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    /// <summary>Decodes a stored message; throws <see cref="FormatException"/> when it is not base64 UTF-8 text.</summary>
    public static string Decode(string messageText)
    {
        var bytes = Convert.FromBase64String(messageText);
        return new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes);
    }

    public static bool TryDecode(string messageText, out string text)
    {
        try
        {
            text = Decode(messageText);
            return true;
        }
        catch (Exception e) when (e is FormatException or DecoderFallbackException)
        {
            text = string.Empty;
            return false;
        }
    }

    /// <summary>
    /// Sends <paramref name="text"/> encoded for the queue trigger. With <paramref name="initialVisibilityDelay"/> the
    /// message stays invisible until then (scheduled sends; at most 7 days, so longer waits need re-queueing in hops).
    /// Delayed messages never expire unless <paramref name="timeToLive"/> says so, because the default 7-day lifetime
    /// could end before a long delay does.
    /// </summary>
    public static Task<Response<SendReceipt>> SendEncodedAsync(
        this QueueClient queue,
        string text,
        TimeSpan? initialVisibilityDelay = null,
        TimeSpan? timeToLive = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (initialVisibilityDelay is { } delay && (delay < TimeSpan.Zero || delay > MaxInitialVisibilityDelay))
        {
            throw new ArgumentOutOfRangeException(nameof(initialVisibilityDelay), delay, "A queue message can be hidden for 0 to 7 days.");
        }

        var ttl = timeToLive ?? (initialVisibilityDelay is null ? null : TimeSpan.FromSeconds(-1));
        return queue.SendMessageAsync(Encode(text), initialVisibilityDelay, ttl, cancellationToken);
    }
}
