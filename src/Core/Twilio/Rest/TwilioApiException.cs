using Twilio.Exceptions;
using Twilio.Http;

namespace AgentOS.Voice.Twilio.Rest;

/// <summary>Twilio refused a REST request. <see cref="Code"/> is Twilio's error code (e.g. 21211 invalid To number).</summary>
public sealed class TwilioApiException : Exception
{
    public TwilioApiException(int httpStatus, int? code, string message, string? moreInfo, Exception? innerException = null)
        : base(code is null ? $"Twilio returned HTTP {httpStatus}: {message}" : $"Twilio error {code} (HTTP {httpStatus}): {message}", innerException)
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

    /// <summary>
    /// The SDK's error as ours. With Twilio's error JSON the SDK fills code, status and message; with any other body
    /// (a gateway's HTML page, nothing) it has only a message, so the status comes from the response it received.
    /// </summary>
    internal static TwilioApiException From(ApiException e, Response? response)
    {
        if (e.Status != 0)
        {
            return new TwilioApiException(e.Status, e.Code == 0 ? null : e.Code, e.Message, e.MoreInfo, e);
        }

        var status = response is null ? 0 : (int)response.StatusCode;
        var body = response?.Content;
        var excerpt = string.IsNullOrWhiteSpace(body) ? "(empty)" : body.Length <= 200 ? body : body[..200] + "…";
        return new TwilioApiException(status, null, $"{response?.StatusCode}, body: {excerpt}", null, e);
    }
}
