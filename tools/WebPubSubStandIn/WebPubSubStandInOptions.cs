using System.ComponentModel.DataAnnotations;

namespace AgentOS.Voice.WebPubSubStandIn;

/// <summary>The one access key the stand-in signs and checks tokens with, and where it listens.</summary>
public sealed class WebPubSubStandInOptions
{
    /// <summary>
    /// A fixed local key, not a secret: the stand-in only ever listens on loopback. 44 characters like a real key;
    /// HS256 through Microsoft's JWT library needs more than 256 bits of key anyway.
    /// </summary>
    public const string DefaultAccessKey = "bG9jYWwtd2VicHVic3ViLXN0YW5kLWluLWtleS0wMDA=";

    [Required, MinLength(33, ErrorMessage = "AccessKey must be longer than 32 characters (HS256 keys need more than 256 bits).")]
    public string AccessKey { get; set; } = DefaultAccessKey;

    /// <summary>Loopback port to listen on; 0 takes a free one.</summary>
    [Range(0, 65535)]
    public int Port { get; set; }

    /// <summary>Clock for token expiry.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    public void Validate() => Validator.ValidateObject(this, new ValidationContext(this), validateAllProperties: true);
}
