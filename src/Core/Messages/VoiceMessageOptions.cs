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
