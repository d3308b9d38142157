using AgentOS.Voice.Twilio;
using AgentOS.Voice.Twilio.Rest;
using AgentOS.Voice.Twilio.Twiml;
using Microsoft.Extensions.Options;

namespace AgentOS.Voice.Messages;

/// <summary>
/// The Twilio side of a message: its TwiML, its create-call request, and the webhook URLs, which carry only the
/// agent and message ids under PublicUrls:FunctionsBaseUrl.
/// </summary>
public sealed class VoiceMessageCallFactory(IOptions<PublicUrlOptions> publicUrls, IOptions<VoiceMessageOptions> options)
{
    /// <summary>Route of the webhooks; {callback} is status, recording or amd.</summary>
    public const string CallbackRoute = "/api/twilio/messages/{agentId}/{messageId}";

    public string CallbackUrl(VoiceMessage message, string callback) =>
        $"{publicUrls.Value.FunctionsBaseUrl!.TrimEnd('/')}/api/twilio/messages/{Uri.EscapeDataString(message.AgentId)}/{Uri.EscapeDataString(message.Id)}/{callback}";

    /// <summary>Play the message; with <paramref name="record"/>, then record the answer and hand it to the recording webhook; without, hold the line for the beep.</summary>
    public string Twiml(VoiceMessage message, Uri audioUrl, bool record)
    {
        var twiml = new TwimlResponse().Play(audioUrl.AbsoluteUri);
        if (record)
        {
            twiml.Record(new RecordOptions
            {
                Action = CallbackUrl(message, "recording"),
                Method = HttpMethod.Post,
                MaxLength = options.Value.RecordMaxLengthSeconds,
                PlayBeep = true,
            });
        }
        else
        {
            // Keeps the line open until a voicemail box's beep can be detected: a message shorter than the greeting
            // would otherwise hang up before the machine-detection verdict arrives to replay it after the beep.
            twiml.Pause(options.Value.MachineDetectionTimeoutSeconds);
        }

        return twiml.ToXml();
    }

    /// <summary>What a voicemail box hears once its beep has gone: the message, then the end of the call.</summary>
    public string AfterBeepTwiml(Uri audioUrl) => new TwimlResponse().Play(audioUrl.AbsoluteUri).Hangup().ToXml();

    public CreateCallRequest CreateCall(VoiceMessage message, string from, Uri audioUrl, bool record) => new()
    {
        To = message.To,
        From = from,
        Twiml = Twiml(message, audioUrl, record),
        StatusCallback = CallbackUrl(message, "status"),
        StatusCallbackEvents = [CallProgressEvent.Initiated, CallProgressEvent.Ringing, CallProgressEvent.Answered, CallProgressEvent.Completed],
        StatusCallbackMethod = HttpMethod.Post,
        // A person hears the message at once; for a machine the AMD webhook replays it after the beep.
        MachineDetection = MachineDetection.DetectMessageEnd,
        MachineDetectionTimeout = options.Value.MachineDetectionTimeoutSeconds,
        AsyncAmd = true,
        AsyncAmdStatusCallback = CallbackUrl(message, "amd"),
        AsyncAmdStatusCallbackMethod = HttpMethod.Post,
        Timeout = options.Value.RingTimeoutSeconds,
    };
}
