using System.ComponentModel.DataAnnotations;

namespace AgentOS.Voice.Outcomes;

/// <summary>"Outcomes": when outcomes are made and how their webhooks are retried.</summary>
public sealed class OutcomeOptions
{
    public const string SectionName = "Outcomes";

    /// <summary>Queue of "this call or message ended" requests; the worker makes the outcome.</summary>
    public const string RequestQueue = "outcome-requests";

    /// <summary>Outcomes for AgentOS consumers, one JSON outcome per message.</summary>
    public const string OutcomeQueue = "call-outcomes";

    /// <summary>Webhook deliveries, each re-queued with a delay after a failed attempt.</summary>
    public const string WebhookQueue = "outcome-webhooks";

    /// <summary>Deliveries given up after <see cref="DeliveryWindow"/>, with the reason.</summary>
    public const string DeadLetterQueue = "outcome-webhooks-dead";

    /// <summary>
    /// How long after the end the outcome is made: the call's last transcript rows are written in the background, and
    /// Twilio's final callbacks can trail the end by seconds.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan RequestDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The wait after the first failed delivery; it doubles each attempt up to <see cref="MaxRetryDelay"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    [Range(typeof(TimeSpan), "00:00:01", "06:00:00")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long a webhook is retried before it is dead-lettered.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan DeliveryWindow { get; set; } = TimeSpan.FromHours(24);

    [Range(typeof(TimeSpan), "00:00:01", "00:00:30")]
    public TimeSpan WebhookTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long the recording link in a delivered outcome works; each delivery (each webhook attempt) makes a new one.</summary>
    [Range(typeof(TimeSpan), "00:05:00", "7.00:00:00")]
    public TimeSpan RecordingLinkLifetime { get; set; } = TimeSpan.FromHours(24);

    public TimeSpan RetryDelay(int failedAttempts)
    {
        var delay = FirstRetryDelay * Math.Pow(2, Math.Min(failedAttempts - 1, 20));
        return delay < MaxRetryDelay ? delay : MaxRetryDelay;
    }
}

/// <summary>A message on <see cref="OutcomeOptions.RequestQueue"/>: this call or message has ended (perhaps again).</summary>
public sealed record OutcomeRequest(string Kind, string AgentId, string Id);

/// <summary>A message on <see cref="OutcomeOptions.WebhookQueue"/> (and, with <see cref="Reason"/>, on the dead-letter queue).</summary>
public sealed record OutcomeDeliveryRequest(string Kind, string AgentId, string Id, int Attempt, DateTimeOffset FirstAttemptAt, string? Reason = null);

/// <summary>The end is not recorded yet (the request came before the last write): the queue tries again later.</summary>
public sealed class OutcomeNotReadyException(string message) : Exception(message);
