namespace AgentOS.Voice.Twilio.Rest;

/// <summary>Twilio refused a REST request. <see cref="Code"/> is Twilio's error code (e.g. 21211 invalid To number).</summary>
public sealed class TwilioApiException : Exception
{
    public TwilioApiException(int httpStatus, int? code, string message, string? moreInfo)
        : base(code is null ? $"Twilio returned HTTP {httpStatus}: {message}" : $"Twilio error {code} (HTTP {httpStatus}): {message}")
    {
        HttpStatus = httpStatus;
        Code = code;
        TwilioMessage = message;
        MoreInfo = moreInfo;
    }

    public int HttpStatus { get; }

    /// <summary>Twilio's error code; null when the body was not Twilio's error JSON (e.g. a proxy's page).</summary>
    public int? Code { get; }

    /// <summary>Twilio's own message, without our prefix.</summary>
    public string TwilioMessage { get; }

    /// <summary>Link to Twilio's page about the error code.</summary>
    public string? MoreInfo { get; }
}
