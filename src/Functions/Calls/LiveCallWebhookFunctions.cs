using AgentOS.Voice.Calls;
using AgentOS.Voice.Functions.Hosting;
using AgentOS.Voice.Twilio.Twiml;
using Microsoft.Azure.Functions.Worker;

namespace AgentOS.Voice.Functions.Calls;

/// <summary>
/// Twilio's webhooks for live calls under /agents/{agentId}: incoming-call, outbound-call, relay-action and
/// call-status. Signed requests only; what each answers is decided by <see cref="LiveCallWebhooks"/>.
/// </summary>
public sealed class LiveCallWebhookFunctions(TwilioWebhook twilio, LiveCallWebhooks webhooks, TimeProvider time)
{
    private const string Route = "agents/{agentId}/";

    [Function("LiveCallIncoming")]
    public async Task<IResult> IncomingAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Route + "incoming-call")] HttpRequest request, string agentId,
        CancellationToken cancellationToken)
    {
        if (await twilio.RefuseAsync(request) is { } refused)
        {
            return refused;
        }

        var ringingAt = time.GetUtcNow();
        var voice = await TwilioWebhook.ReadAsync(request);
        return (await webhooks.IncomingAsync(agentId, voice, ringingAt, cancellationToken)).ToHttpResult();
    }

    [Function("LiveCallOutbound")]
    public async Task<IResult> OutboundAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Route + "outbound-call")] HttpRequest request, string agentId,
        CancellationToken cancellationToken)
    {
        if (await twilio.RefuseAsync(request) is { } refused)
        {
            return refused;
        }

        var voice = await TwilioWebhook.ReadAsync(request);
        return (await webhooks.OutboundAsync(agentId, request.Query[LiveCallTwiml.CallIdQuery], voice, cancellationToken)).ToHttpResult();
    }

    [Function("LiveCallRelayAction")]
    public async Task<IResult> RelayActionAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Route + "relay-action")] HttpRequest request, string agentId,
        CancellationToken cancellationToken)
    {
        if (await twilio.RefuseAsync(request) is { } refused)
        {
            return refused;
        }

        var voice = await TwilioWebhook.ReadAsync(request);
        var answer = await webhooks.RelayActionAsync(
            agentId, request.Query[LiveCallTwiml.CallIdQuery], request.Query[LiveCallTwiml.AttemptQuery], voice, cancellationToken);
        return answer.ToHttpResult();
    }

    [Function("LiveCallStatus")]
    public async Task<IResult> StatusAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Route + "call-status")] HttpRequest request, string agentId,
        CancellationToken cancellationToken)
    {
        if (await twilio.RefuseAsync(request) is { } refused)
        {
            return refused;
        }

        var voice = await TwilioWebhook.ReadAsync(request);
        await webhooks.StatusAsync(agentId, request.Query[LiveCallTwiml.CallIdQuery], voice, cancellationToken);
        return Results.NoContent();
    }
}
