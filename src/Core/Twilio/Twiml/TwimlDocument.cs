using System.Xml.Linq;
using Twilio.TwiML;

namespace AgentOS.Voice.Twilio.Twiml;

/// <summary>
/// TwiML is built with Twilio's SDK (<see cref="VoiceResponse"/>, which writes through an XML writer, so user text is
/// escaped); this writes it, and TwimlHttpResults (Hosting project) serves it. The writer throws on characters XML
/// cannot carry, so builders pass user text through <see cref="XmlText.Strip"/>.
/// </summary>
public static class TwimlDocument
{
    public const string ContentType = "text/xml; charset=utf-8";

    /// <summary>The document as sent to Twilio: one line, UTF-8 declaration.</summary>
    public static string ToTwiml(this VoiceResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return response.ToString(SaveOptions.DisableFormatting);
    }
}
