using AgentOS.Voice.Functions.Hosting;
using AgentOS.Voice.Messages;
using AgentOS.Voice.Storage;
using AgentOS.Voice.Twilio.Webhooks;
using AgentOS.Voice.Twilio.Twiml;
using Microsoft.Azure.Functions.Worker;
using Twilio.TwiML;

namespace AgentOS.Voice.Functions.Messages;

/// <summary>
/// Twilio's webhooks for message calls under api/twilio/messages/{agentId}/{messageId}/. Signed requests only:
/// anything else gets 403 before the record is read. When storage is out the update is deferred
/// (<see cref="WebhookStorage"/>) and Twilio still gets its 204 or safe TwiML: Twilio does not retry these callbacks.
/// </summary>
public sealed class MessageWebhookFunctions(
    TwilioWebhook twilio, VoiceMessageWebhooks webhooks, IVoiceMessageStore store, VoiceMessageCallFactory calls, WebhookStorage storage)
{
    private const string Route = VoiceMessageCallFactory.CallbackRoute;

    [Function("MessageStatusCallback")]
    public Task<IResult> StatusAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Route + "/status")] HttpRequest request,
        string agentId, string messageId, CancellationToken cancellationToken) =>
        ApplyAsync(
            request, agentId, messageId, voice => $"message {messageId} call status {voice.CallStatus}",
            (voice, token) => webhooks.OnCallStatusAsync(agentId, messageId, voice, token), Results.NoContent(), cancellationToken);

    // Twilio runs what this answers once the answer is recorded: thank-you is the message's business, so just end.
    [Function("MessageRecordingCallback")]
    public Task<IResult> RecordingAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Route + "/recording")] HttpRequest request,
        string agentId, string messageId, CancellationToken cancellationToken) =>
        ApplyAsync(
            request, agentId, messageId, _ => $"message {messageId} recording",
            (voice, token) => webhooks.OnRecordingAsync(agentId, messageId, voice, token), new VoiceResponse().Hangup().ToHttpResult(), cancellationToken);

    /// <summary>Without the record (storage out, or no such message) the call just ends: the message was played.</summary>
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
        var (message, _) = await storage.ReadAsync(token => store.GetAsync(agentId, messageId, token), cancellationToken);
        return message is not null
            ? calls.AfterPlayTwiml(message, waited).ToHttpResult()
            : new VoiceResponse().Hangup().ToHttpResult();
    }

    [Function("MessageAmdCallback")]
    public Task<IResult> MachineDetectionAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Route + "/amd")] HttpRequest request,
        string agentId, string messageId, CancellationToken cancellationToken) =>
        ApplyAsync(
            request, agentId, messageId, _ => $"message {messageId} answering machine verdict",
            (voice, token) => webhooks.OnMachineDetectionAsync(agentId, messageId, voice, token), Results.NoContent(), cancellationToken);

    /// <summary>
    /// Applies a signed callback to its message, or defers it while storage is out. Deferred work is answered as
    /// <paramref name="done"/>: what Twilio told is kept and applied once storage is back.
    /// </summary>
    private async Task<IResult> ApplyAsync(
        HttpRequest request, string agentId, string messageId, Func<TwilioVoiceRequest, string> what,
        Func<TwilioVoiceRequest, CancellationToken, Task<VoiceMessage?>> apply, IResult done, CancellationToken cancellationToken)
    {
        if (await twilio.RefuseAsync(request) is { } refused)
        {
            return refused;
        }

        var voice = await TwilioWebhook.ReadAsync(request);
        var update = await storage.RunOrDeferAsync(what(voice), token => apply(voice, token), cancellationToken);
        return update is { Value: null, Deferred: false } ? NotFound(agentId, messageId) : done;
    }

    private static IResult NotFound(string agentId, string messageId) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such message.", detail: $"Agent '{agentId}' has no message '{messageId}'.");
}
