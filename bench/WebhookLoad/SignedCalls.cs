using System.Text;
using AgentOS.Voice.Twilio;

namespace AgentOS.Voice.Bench.WebhookLoad;

/// <summary>A pre-signed incoming-call POST: the form body Twilio sends for an inbound call and its signature.</summary>
internal sealed record SignedCall(byte[] Body, string Signature);

/// <summary>
/// Builds signed incoming-call requests ahead of the run, each with its own CallSid as real calls have, so signing
/// costs the load tool nothing while it measures.
/// </summary>
internal static class SignedCalls
{
    public static SignedCall[] Create(int count, string authToken, string url, string to)
    {
        var calls = new SignedCall[count];
        for (var i = 0; i < count; i++)
        {
            KeyValuePair<string, string>[] form =
            [
                new("AccountSid", "AC00000000000000000000000000000000"), new("ApiVersion", "2010-04-01"),
                new("CallSid", $"CA{i:D32}"), new("CallStatus", "ringing"), new("Called", to), new("CalledCountry", "US"),
                new("Caller", "+14155550199"), new("CallerCity", "OAKLAND"), new("CallerCountry", "US"), new("CallerState", "CA"),
                new("Direction", "inbound"), new("From", "+14155550199"), new("FromCity", "OAKLAND"), new("FromCountry", "US"),
                new("FromState", "CA"), new("FromZip", "94601"), new("To", to), new("ToCountry", "US"),
            ];
            var body = string.Join('&', form.Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(p.Value)}"));
            calls[i] = new SignedCall(Encoding.UTF8.GetBytes(body), TwilioSignature.Compute(authToken, url, form));
        }

        return calls;
    }

    public static HttpRequestMessage ToRequest(this SignedCall call, string url)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(call.Body) };
        request.Content.Headers.ContentType = new("application/x-www-form-urlencoded");
        request.Headers.Add(TwilioSignature.HeaderName, call.Signature);
        return request;
    }
}
