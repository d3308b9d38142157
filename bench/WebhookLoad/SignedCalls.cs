using System.Text;
using AgentOS.Voice.Simulator.Signing;
using AgentOS.Voice.Twilio;

namespace AgentOS.Voice.Bench.WebhookLoad;

/// <summary>A signed incoming-call POST: the form body Twilio sends for an inbound call and its signature.</summary>
internal sealed record SignedCall(byte[] Body, string Signature)
{
    public HttpRequestMessage ToRequest(string url)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(Body) };
        request.Content.Headers.ContentType = new("application/x-www-form-urlencoded");
        request.Headers.Add(TwilioRequestSigner.HeaderName, Signature);
        return request;
    }
}

/// <summary>
/// Signs incoming-call requests as Twilio does, each with a CallSid of its own as real calls have, so every request
/// queues a call record of its own. Signing costs the load tool a few microseconds per request (HMAC-SHA1 over
/// ~450 bytes); its CPU is printed with every figure.
/// </summary>
internal sealed class SignedCalls(string authToken, string url, string to, string sidPrefix)
{
    private long _next = -1;

    /// <summary>CallSids are <c>{sidPrefix}</c> and a 32-digit counter: the prefix tells this run's calls apart.</summary>
    public string SidPrefix => sidPrefix;

    public SignedCall Next()
    {
        var sid = $"{sidPrefix}{Interlocked.Increment(ref _next):D32}";
        KeyValuePair<string, string>[] form =
        [
            new("AccountSid", "AC00000000000000000000000000000000"), new("ApiVersion", "2010-04-01"),
            new("CallSid", sid), new("CallStatus", "ringing"), new("Called", to), new("CalledCountry", "US"),
            new("Caller", "+14155550199"), new("CallerCity", "OAKLAND"), new("CallerCountry", "US"), new("CallerState", "CA"),
            new("Direction", "inbound"), new("From", "+14155550199"), new("FromCity", "OAKLAND"), new("FromCountry", "US"),
            new("FromState", "CA"), new("FromZip", "94601"), new("To", to), new("ToCountry", "US"),
        ];
        var body = string.Join('&', form.Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(p.Value)}"));
        return new SignedCall(Encoding.UTF8.GetBytes(body), TwilioRequestSigner.Sign(authToken, url, form));
    }
}
