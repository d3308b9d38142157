using System.ComponentModel.DataAnnotations;

namespace AgentOS.Voice.Calls;

/// <summary>How the Functions side answers live calls. Bound from the "LiveCalls" section.</summary>
public sealed class LiveCallOptions
{
    public const string SectionName = "LiveCalls";

    /// <summary>
    /// ConversationRelay sessions one call may have: Twilio does not reconnect a dropped socket, so after a failed
    /// session we connect again until this many attempts, then hang up politely.
    /// </summary>
    [Range(1, 5)]
    public int MaxRelayAttempts { get; set; } = 2;

    /// <summary>Seconds the agent's transfer number rings on hand-off before Twilio gives up.</summary>
    [Range(5, 600)]
    public int TransferTimeoutSeconds { get; set; } = 30;

    /// <summary>Said, then the call hangs up, when the number's agent does not exist or is disabled.</summary>
    [Required]
    public string UnavailableText { get; set; } = "Sorry, this number cannot take calls right now. Please try again later. Goodbye.";

    /// <summary>Said before the relay is connected again after a failed session.</summary>
    [Required]
    public string ReconnectText { get; set; } = "Sorry, we had a technical problem. One moment please.";

    /// <summary>Said before hanging up when the relay failed on every attempt.</summary>
    [Required]
    public string GiveUpText { get; set; } = "Sorry, we are having technical difficulties. Please call again later. Goodbye.";

    /// <summary>Said before hanging up when a hand-off was asked for but the agent has no transfer number.</summary>
    [Required]
    public string NoTransferText { get; set; } = "Sorry, nobody is available to take your call right now. Goodbye.";

    /// <summary>Most context entries an outbound call may carry.</summary>
    [Range(0, 200)]
    public int MaxContextEntries { get; set; } = 50;

    /// <summary>Longest context value in characters (context is read into the greeting and the model's prompt).</summary>
    [Range(1, 32_000)]
    public int MaxContextValueLength { get; set; } = 2_000;
}
