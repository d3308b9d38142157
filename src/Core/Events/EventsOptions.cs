using System.ComponentModel.DataAnnotations;

namespace AgentOS.Voice.Events;

/// <summary>
/// Live call and message events through Azure Web PubSub. Off unless <see cref="WebPubSubEndpoint"/> (Azure: the
/// managed identity signs in) or <see cref="WebPubSubConnectionString"/> (local stand-in, or keys) is set.
/// Bound from the "Events" section; Bicep sets Events__WebPubSubEndpoint and Events__Hub.
/// </summary>
public sealed class EventsOptions
{
    public const string SectionName = "Events";

    public string? WebPubSubEndpoint { get; set; }

    /// <summary><c>Endpoint=…;AccessKey=…;Version=1.0;</c>; wins over <see cref="WebPubSubEndpoint"/> when both are set.</summary>
    public string? WebPubSubConnectionString { get; set; }

    [Required]
    public string Hub { get; set; } = "calls";

    /// <summary>Events held for sending; when full, new events are dropped (counted and logged), never waited for.</summary>
    [Range(1, 1_000_000)]
    public int BufferCapacity { get; set; } = 10_000;

    /// <summary>Most events taken from the buffer for one round of sends (one request per group in it).</summary>
    [Range(1, 10_000)]
    public int MaxBatchEvents { get; set; } = 500;

    /// <summary>Requests in flight at once, to different groups.</summary>
    [Range(1, 64)]
    public int MaxConcurrentSends { get; set; } = 4;

    /// <summary>Attempts per send, counting the first; only 429, 5xx and unreachable are tried again.</summary>
    [Range(1, 10)]
    public int MaxAttempts { get; set; } = 4;

    /// <summary>Wait before the first retry, doubled for each next one (with jitter) unless the service says Retry-After.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:01:00")]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// How long an agent's answer gathers tokens before a <c>turn.agent.streaming</c> event goes out (a sentence end
    /// sends earlier): a console sees text flow without an event per token.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:05")]
    public TimeSpan StreamingInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    public bool Enabled => !string.IsNullOrWhiteSpace(WebPubSubConnectionString) || !string.IsNullOrWhiteSpace(WebPubSubEndpoint);

    /// <summary>The client's options from whichever setting is present; throws <see cref="FormatException"/> naming the problem.</summary>
    public WebPubSubServiceClientOptions ToClientOptions() =>
        !string.IsNullOrWhiteSpace(WebPubSubConnectionString)
            ? WebPubSubServiceClientOptions.FromConnectionString(WebPubSubConnectionString, Hub)
            : WebPubSubServiceClientOptions.FromEndpoint(WebPubSubEndpoint!, Hub);
}
