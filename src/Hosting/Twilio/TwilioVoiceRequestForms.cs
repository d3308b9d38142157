using Microsoft.AspNetCore.Http;

namespace AgentOS.Voice.Twilio.Webhooks;

public static class TwilioVoiceRequestForms
{
    extension(TwilioVoiceRequest)
    {
        /// <summary>Reads a voice webhook's form; anything but a form POST is not a Twilio voice webhook.</summary>
        public static async Task<TwilioVoiceRequest> FromFormAsync(HttpRequest request)
        {
            ArgumentNullException.ThrowIfNull(request);
            if (!request.HasFormContentType)
            {
                throw new InvalidOperationException(
                    $"A Twilio voice webhook is a form POST; this request has Content-Type '{request.ContentType}'.");
            }

            return TwilioVoiceRequest.FromForm(await request.ReadFormAsync(request.HttpContext.RequestAborted).ConfigureAwait(false));
        }

        public static TwilioVoiceRequest FromForm(IFormCollection form)
        {
            ArgumentNullException.ThrowIfNull(form);
            return TwilioVoiceRequest.FromForm(name => form.TryGetValue(name, out var v) && v.Count > 0 ? v[0] : null);
        }
    }
}
