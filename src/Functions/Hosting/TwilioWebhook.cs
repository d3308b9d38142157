using AgentOS.Voice.Twilio.Webhooks;

namespace AgentOS.Voice.Functions.Hosting;

/// <summary>What every Twilio-facing function does first: check the signature, then read the voice parameters.</summary>
public sealed class TwilioWebhook(TwilioRequestValidator validator)
{
    public const string ForbiddenTitle = "Twilio signature missing or invalid";

    /// <summary>Null when Twilio signed the request; otherwise the 403 to answer with (nothing is read or changed).</summary>
    public async Task<IResult?> RefuseAsync(HttpRequest request) =>
        await validator.IsValidAsync(request).ConfigureAwait(false)
            ? null
            : Results.Problem(title: ForbiddenTitle, statusCode: StatusCodes.Status403Forbidden);

    /// <summary>The request's voice parameters; the signature check has already read a form body, if there was one.</summary>
    public static async Task<TwilioVoiceRequest> ReadAsync(HttpRequest request) =>
        request.HasFormContentType ? await TwilioVoiceRequest.FromFormAsync(request).ConfigureAwait(false) : new TwilioVoiceRequest();
}
