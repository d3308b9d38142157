using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace AgentOS.Voice.Twilio.Webhooks;

/// <summary>Answers 403 before the handler runs unless the request carries a valid Twilio signature.</summary>
public sealed class TwilioSignatureFilter(TwilioRequestValidator validator) : IEndpointFilter
{
    public const string ProblemTitle = "Twilio signature missing or invalid";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (!await validator.IsValidAsync(context.HttpContext.Request).ConfigureAwait(false))
        {
            return Results.Problem(title: ProblemTitle, statusCode: StatusCodes.Status403Forbidden);
        }

        return await next(context).ConfigureAwait(false);
    }
}

public static class TwilioSignatureEndpointExtensions
{
    /// <summary>
    /// Only requests signed by Twilio reach this handler. Handlers of JSON webhooks should read the body from
    /// HttpRequest (the filter rewinds it), because a [FromBody] parameter is bound before any filter runs.
    /// </summary>
    public static RouteHandlerBuilder RequireTwilioSignature(this RouteHandlerBuilder builder) =>
        builder.AddEndpointFilter<RouteHandlerBuilder, TwilioSignatureFilter>();

    /// <summary>Every endpoint in the group requires a Twilio signature.</summary>
    public static RouteGroupBuilder RequireTwilioSignature(this RouteGroupBuilder builder) =>
        builder.AddEndpointFilter<RouteGroupBuilder, TwilioSignatureFilter>();
}
