using System.ComponentModel.DataAnnotations;

namespace AgentOS.Voice.RelayHost;

/// <summary>Limits of one RelayHost replica. Bound from the "RelayHost" section.</summary>
public sealed class RelayHostOptions
{
    public const string SectionName = "RelayHost";

    /// <summary>Live sessions this replica accepts; more get 503 before the upgrade so Twilio (and the scaler) look elsewhere.</summary>
    [Range(1, 100_000)]
    public int MaxSessions { get; set; } = 200;

    /// <summary>
    /// A session with no message from Twilio for this long is closed (checked every twentieth of it, at most every
    /// 5 s, so the close comes up to that much later).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// On shutdown, how long live sessions may continue before they are closed. The default fits Container Apps' 30 s
    /// termination grace period together with CloseTimeout; raise both together.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:30:00")]
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>After we start closing a socket, how long Twilio has to answer the close before the connection is dropped.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Largest message accepted from Twilio; larger ones are logged and skipped.</summary>
    [Range(1024, 4 * 1024 * 1024)]
    public int MaxMessageBytes { get; set; } = 64 * 1024;
}
