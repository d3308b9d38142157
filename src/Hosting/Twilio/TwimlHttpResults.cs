using System.Text;
using Microsoft.AspNetCore.Http;
using Twilio.TwiML;

namespace AgentOS.Voice.Twilio.Twiml;

public static class TwimlHttpResults
{
    /// <summary>The document as a minimal-API result with the content type Twilio expects.</summary>
    public static IResult ToHttpResult(this VoiceResponse response) =>
        Results.Text(response.ToTwiml(), TwimlDocument.ContentType, Encoding.UTF8);
}
