using System.ComponentModel.DataAnnotations;

namespace AgentOS.Voice.Messages;

/// <summary>Voice messages (section "Messages").</summary>
public sealed class VoiceMessageOptions
{
    public const string SectionName = "Messages";

    /// <summary>Longest text accepted, in characters.</summary>
    [Range(1, 40_000)]
    public int MaxTextLength { get; set; } = 3000;

    /// <summary>How far in the past sendAt may be (clock skew, a slow producer) and still be sent at once.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan SendAtTolerance { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long the read-only audio URL handed to Twilio stays valid (it must outlive ringing and the voicemail greeting).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan AudioUrlLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// A claim older than this with no call SID is reported as an unknown outcome (the worker crashed while calling);
    /// younger, it belongs to a worker still placing the call.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ClaimTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Wait before retrying after a transient failure (speech provider 5xx, 429 or timeout; Twilio 5xx or 429 on
    /// create-call), doubled after each further one up to <see cref="RetryMaxDelay"/>. The job is re-queued hidden for
    /// that long rather than failed back to the host, whose fixed, short retries would give up on a minutes-long outage.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan RetryFirstDelay { get; set; } = TimeSpan.FromSeconds(15);

    [Range(typeof(TimeSpan), "00:00:00.100", "06:00:00")]
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How long after its first attempt a message is still retried; a retry that would come later gives up (the job
    /// goes to voice-messages-poison, the record says why). At least half an hour, so a provider's bad half hour
    /// does not lose messages.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan RetryWindow { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Seconds to let the phone ring.</summary>
    [Range(5, 600)]
    public int RingTimeoutSeconds { get; set; } = 60;

    /// <summary>Longest recorded answer, in seconds.</summary>
    [Range(1, 14_400)]
    public int RecordMaxLengthSeconds { get; set; } = 120;

    /// <summary>Seconds Twilio may take to hear the voicemail beep.</summary>
    [Range(3, 59)]
    public int MachineDetectionTimeoutSeconds { get; set; } = 30;
}
