using AgentOS.Voice.Functions.Hosting;
using AgentOS.Voice.Messages;
using AgentOS.Voice.Twilio.Twiml;
using Microsoft.Azure.Functions.Worker;
using Twilio.TwiML;

namespace AgentOS.Voice.Functions.Messages;

/// <summary>
/// Twilio's webhooks for message calls under api/twilio/messages/{agentId}/{messageId}/. Signed requests only:
/// anything else gets 403 before the record is read.
/// </summary>
public sealed class MessageWebhookFunctions(TwilioWebhook twilio, VoiceMessageWebhooks webhooks, IVoiceMessageStore store, VoiceMessageCallFactory calls)
{
    private const string Route = VoiceMessageCallFactory.CallbackRoute;

    [Function("MessageStatusCallback")]
    public async Task<IResult> StatusAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Route + "/status")] HttpRequest request,
        string agentId, string messageId, CancellationToken cancellationToken) =>
        await twilio.RefuseAsync(request)
        ?? (await webhooks.OnCallStatusAsync(agentId, messageId, await TwilioWebhook.ReadAsync(request), cancellationToken) is null
            ? NotFound(agentId, messageId)
            : Results.NoContent());

    // Twilio runs what this answers once the answer is recorded: thank-you is the message's business, so just end.
    [Function("MessageRecordingCallback")]
    public async Task<IResult> RecordingAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Route + "/recording")] HttpRequest request,
        string agentId, string messageId, CancellationToken cancellationToken) =>
        await twilio.RefuseAsync(request)
        ?? (await webhooks.OnRecordingAsync(agentId, messageId, await TwilioWebhook.ReadAsync(request), cancellationToken) is null
            ? NotFound(agentId, messageId)
            : new VoiceResponse().Hangup().ToHttpResult());

    [Function("MessageAfterPlayCallback")]
    public async Task<IResult> AfterPlayAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Route + "/after-play")] HttpRequest request,
        string agentId, string messageId, CancellationToken cancellationToken)
    {
        if (await twilio.RefuseAsync(request) is { } refused)
        {
            return refused;
        }

        var waited = int.TryParse(request.Query["waited"], out var seconds) ? Math.Max(0, seconds) : 0;
        return await store.GetAsync(agentId, messageId, cancellationToken) is { } message
            ? calls.AfterPlayTwiml(message, waited).ToHttpResult()
            : new VoiceResponse().Hangup().ToHttpResult();
    }

    [Function("MessageAmdCallback")]
    public async Task<IResult> MachineDetectionAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Route + "/amd")] HttpRequest request,
        string agentId, string messageId, CancellationToken cancellationToken) =>
        await twilio.RefuseAsync(request)
        ?? (await webhooks.OnMachineDetectionAsync(agentId, messageId, await TwilioWebhook.ReadAsync(request), cancellationToken) is null
            ? NotFound(agentId, messageId)
            : Results.NoContent());

    private static IResult NotFound(string agentId, string messageId) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such message.", detail: $"Agent '{agentId}' has no message '{messageId}'.");
}
