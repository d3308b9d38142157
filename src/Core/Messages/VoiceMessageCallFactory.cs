using AgentOS.Voice.Twilio;
using AgentOS.Voice.Twilio.Twiml;
using Microsoft.Extensions.Options;
using Twilio.Rest.Api.V2010.Account;
using Twilio.TwiML;
using Twilio.Types;
using TwilioHttpMethod = Twilio.Http.HttpMethod;

namespace AgentOS.Voice.Messages;

/// <summary>
/// The Twilio side of a message: its TwiML, its create-call request, and the webhook URLs, which carry only the
/// agent and message ids under PublicUrls:FunctionsBaseUrl.
/// </summary>
public sealed class VoiceMessageCallFactory(IOptions<PublicUrlOptions> publicUrls, IOptions<VoiceMessageOptions> options)
{
    /// <summary>Route of the webhooks; {callback} is status, recording or amd.</summary>
    public const string CallbackRoute = "api/twilio/messages/{agentId}/{messageId}";

    public string CallbackUrl(VoiceMessage message, string callback) =>
        $"{publicUrls.Value.FunctionsBaseUrl!.TrimEnd('/')}/api/twilio/messages/{Uri.EscapeDataString(message.AgentId)}/{Uri.EscapeDataString(message.Id)}/{callback}";

    /// <summary>How often the line asks, after the message, whether a person or a machine answered.</summary>
    public const int VerdictPollSeconds = 2;

    /// <summary>
    /// Play the message; with <paramref name="record"/>, then record the answer and hand it to the recording webhook;
    /// without, ask the after-play webhook what to do next (hang up on a person, wait for a voicemail box's beep).
    /// </summary>
    public VoiceResponse Twiml(VoiceMessage message, Uri audioUrl, bool record)
    {
        var twiml = new VoiceResponse().Play(audioUrl);
        return record
            ? twiml.Record(action: new Uri(CallbackUrl(message, "recording")), method: TwilioHttpMethod.Post,
                maxLength: options.Value.RecordMaxLengthSeconds, playBeep: true)
            : twiml.Redirect(AfterPlayUrl(message, waitedSeconds: 0), TwilioHttpMethod.Post);
    }

    /// <summary>
    /// What follows the message. A person (or a fax, or an unknown verdict) is done: hang up at once instead of leaving
    /// dead air. While the verdict is pending the line is held in short steps, because a message shorter than a
    /// voicemail greeting must still be there when the beep comes and the AMD webhook replays it; a machine's verdict
    /// means that replay is on its way. Never longer than the detection timeout in all.
    /// </summary>
    public VoiceResponse AfterPlayTwiml(VoiceMessage message, int waitedSeconds)
    {
        var limit = options.Value.MachineDetectionTimeoutSeconds;
        var machine = message.AnsweredBy?.StartsWith("machine", StringComparison.Ordinal) == true;
        if ((message.AnsweredBy is null || machine) && waitedSeconds < limit)
        {
            var step = Math.Min(VerdictPollSeconds, limit - waitedSeconds);
            return new VoiceResponse().Pause(step).Redirect(AfterPlayUrl(message, waitedSeconds + step), TwilioHttpMethod.Post);
        }

        return new VoiceResponse().Hangup();
    }

    private Uri AfterPlayUrl(VoiceMessage message, int waitedSeconds) =>
        new($"{CallbackUrl(message, "after-play")}?waited={waitedSeconds}");

    /// <summary>What a voicemail box hears once its beep has gone: the message, then the end of the call.</summary>
    public VoiceResponse AfterBeepTwiml(Uri audioUrl) => new VoiceResponse().Play(audioUrl).Hangup();

    public CreateCallOptions CreateCall(VoiceMessage message, string from, Uri audioUrl, bool record) => new(new PhoneNumber(message.To), new PhoneNumber(from))
    {
        Twiml = Twiml(message, audioUrl, record).ToTwiml(),
        StatusCallback = new Uri(CallbackUrl(message, "status")),
        StatusCallbackEvent = ["initiated", "ringing", "answered", "completed"],
        StatusCallbackMethod = TwilioHttpMethod.Post,
        // A person hears the message at once; for a machine the AMD webhook replays it after the beep.
        MachineDetection = "DetectMessageEnd",
        MachineDetectionTimeout = options.Value.MachineDetectionTimeoutSeconds,
        AsyncAmd = "true",
        AsyncAmdStatusCallback = new Uri(CallbackUrl(message, "amd")),
        AsyncAmdStatusCallbackMethod = TwilioHttpMethod.Post,
        Timeout = options.Value.RingTimeoutSeconds,
    };
}
