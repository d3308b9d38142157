using System.ComponentModel.DataAnnotations;

namespace AgentOS.Voice.Simulator;

/// <summary>The account the simulator pretends to be, and how fast its clock runs.</summary>
public sealed class PhoneSimulatorOptions
{
    [Required, RegularExpression("^AC[0-9a-fA-F]{32}$", ErrorMessage = "AccountSid is AC followed by 32 hex digits.")]
    public string AccountSid { get; set; } = "AC" + new string('0', 32);

    [Required, MinLength(1)]
    public string AuthToken { get; set; } = "";

    /// <summary>An API key pair also accepted for Basic auth, as Twilio accepts SK…:secret.</summary>
    public string? ApiKeySid { get; set; }

    public string? ApiKeySecret { get; set; }

    /// <summary>Loopback port to listen on; 0 takes a free one.</summary>
    [Range(0, 65535)]
    public int Port { get; set; }

    /// <summary>Real seconds per simulated second: 0.01 makes a 5 s pause take 50 ms; 1.0 runs at human speed.</summary>
    [Range(0.0001, 100.0)]
    public double TimeScale { get; set; } = 1.0;

    /// <summary>Behaviour per dialled number (E.164); numbers not listed answer as a silent person.</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, NumberBehavior> Numbers { get; } = new(StringComparer.Ordinal);

    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>
    /// While set (500, 503…), every REST request is answered with this status and Twilio's error body, as during an
    /// incident at Twilio; calls already running go on. May be changed while the simulator runs.
    /// </summary>
    public int? RestFailureStatus { get; set; }

    /// <summary>
    /// Turns the softphone socket (<c>/sim/softphone</c>) on: the incoming-call webhook of agent <c>{agentId}</c>,
    /// e.g. <c>http://127.0.0.1:7071/agents/{agentId}/incoming-call</c>. Null (the default) leaves it off.
    /// </summary>
    public string? SoftphoneWebhook { get; set; }

    /// <summary>The one browser origin (the console's, e.g. <c>http://127.0.0.1:7071</c>) allowed to open the softphone socket.</summary>
    public string? SoftphoneOrigin { get; set; }

    public void Validate()
    {
        Validator.ValidateObject(this, new ValidationContext(this), validateAllProperties: true);
        if (SoftphoneWebhook is not null && (SoftphoneOrigin is null || !SoftphoneWebhook.Contains("{agentId}", StringComparison.Ordinal)
                || !Uri.TryCreate(SoftphoneWebhook.Replace("{agentId}", "a", StringComparison.Ordinal), UriKind.Absolute, out _)))
        {
            throw new ValidationException("SoftphoneWebhook is an absolute URL with {agentId} in it, and needs SoftphoneOrigin (the console's origin).");
        }

        if ((ApiKeySid is null) != (ApiKeySecret is null))
        {
            throw new ValidationException("ApiKeySid and ApiKeySecret are set together or not at all.");
        }
    }
}
