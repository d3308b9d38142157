using AgentOS.Voice.Messages;
using AgentOS.Voice.Twilio.Twiml;
using AgentOS.Voice.Twilio.Webhooks;
using Twilio.TwiML;

namespace AgentOS.Voice.Functions.Messages;

/// <summary>
/// Twilio's webhooks for message calls (functions MessageStatusCallback, MessageRecordingCallback, MessageAfterPlayCallback,
/// MessageAmdCallback).
/// Signed requests only: anything else gets 403 before the record is read.
/// </summary>
public static class MessageWebhooks
{
    public static IEndpointRouteBuilder MapMessageWebhooks(this IEndpointRouteBuilder endpoints)
    {
        var hooks = endpoints.MapGroup(VoiceMessageCallFactory.CallbackRoute).RequireTwilioSignature().ExcludeFromDescription();
        hooks.MapPost("/status", async (string agentId, string messageId, HttpRequest request, VoiceMessageWebhooks webhooks, CancellationToken cancellationToken) =>
            await webhooks.OnCallStatusAsync(agentId, messageId, await TwilioVoiceRequest.FromFormAsync(request), cancellationToken) is null
                ? NotFound(agentId, messageId)
                : Results.NoContent());

        // Twilio runs what this answers once the answer is recorded: thank-you is the message's business, so just end.
        hooks.MapPost("/recording", async (string agentId, string messageId, HttpRequest request, VoiceMessageWebhooks webhooks, CancellationToken cancellationToken) =>
            await webhooks.OnRecordingAsync(agentId, messageId, await TwilioVoiceRequest.FromFormAsync(request), cancellationToken) is null
                ? NotFound(agentId, messageId)
                : new VoiceResponse().Hangup().ToHttpResult());

        hooks.MapPost("/after-play", async (string agentId, string messageId, int? waited, IVoiceMessageStore store, VoiceMessageCallFactory calls, CancellationToken cancellationToken) =>
            await store.GetAsync(agentId, messageId, cancellationToken) is { } message
                ? calls.AfterPlayTwiml(message, Math.Max(0, waited ?? 0)).ToHttpResult()
                : new VoiceResponse().Hangup().ToHttpResult());

        hooks.MapPost("/amd", async (string agentId, string messageId, HttpRequest request, VoiceMessageWebhooks webhooks, CancellationToken cancellationToken) =>
            await webhooks.OnMachineDetectionAsync(agentId, messageId, await TwilioVoiceRequest.FromFormAsync(request), cancellationToken) is null
                ? NotFound(agentId, messageId)
                : Results.NoContent());
        return endpoints;
    }

    private static IResult NotFound(string agentId, string messageId) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such message.", detail: $"Agent '{agentId}' has no message '{messageId}'.");
}
