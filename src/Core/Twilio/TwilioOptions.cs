using System.ComponentModel.DataAnnotations;

namespace AgentOS.Voice.Twilio;

/// <summary>The Twilio account we act for. Bound from the "Twilio" configuration section; secrets from Key Vault in Azure.</summary>
public sealed class TwilioOptions
{
    public const string SectionName = "Twilio";

    [Required, RegularExpression("^AC[0-9a-fA-F]{32}$", ErrorMessage = "Twilio:AccountSid must be AC followed by 32 hex digits.")]
    public string AccountSid { get; set; } = string.Empty;

    /// <summary>Signs every webhook and WebSocket upgrade Twilio sends; also the REST password unless an API key is set.</summary>
    [Required]
    public string AuthToken { get; set; } = string.Empty;

    /// <summary>Optional API key (SK…) used for REST calls instead of the auth token.</summary>
    public string? ApiKeySid { get; set; }

    public string? ApiKeySecret { get; set; }

    /// <summary>Twilio's REST base; the phone simulator serves the same routes locally.</summary>
    [Required, Url]
    public string ApiBaseUrl { get; set; } = "https://api.twilio.com";

    /// <summary>Calls per second the account may create (Twilio's default is 1).</summary>
    [Range(0.1, 1000)]
    public double CallsPerSecond { get; set; } = 1;
}

/// <summary>
/// The public addresses Twilio uses to reach us. Signatures are computed over these, so they must be exactly what
/// Twilio requested, not what the process sees behind ingress. Bound from the "PublicUrls" section.
/// </summary>
public sealed class PublicUrlOptions
{
    public const string SectionName = "PublicUrls";

    /// <summary>https base of the Functions app as Twilio sees it (webhooks, TwiML, callbacks), e.g. https://voice.example.com.</summary>
    public string? FunctionsBaseUrl { get; set; }

    /// <summary>wss base of RelayHost as Twilio sees it, e.g. wss://relay.example.com.</summary>
    public string? RelayBaseUrl { get; set; }
}
