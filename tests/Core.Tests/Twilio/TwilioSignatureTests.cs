using System.Security.Cryptography;
using System.Text;
using AgentOS.Voice.Simulator.Signing;
using AgentOS.Voice.TestSupport;
using AgentOS.Voice.Twilio.Webhooks;

namespace AgentOS.Voice.Core.Tests.Twilio;

/// <summary>The signature check (Twilio's SDK behind <see cref="TwilioSignatureCheck"/>) against the reference vectors.</summary>
public class TwilioSignatureTests
{
    private const string Token = "test-auth-token-not-a-secret";

    public static TheoryData<string> SignatureCases()
    {
        var data = new TheoryData<string>();
        foreach (var c in TwilioSignatureVectors.All)
        {
            data.Add(c.GetProperty("name").GetString()!);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SignatureCases))]
    public void Agrees_with_the_reference_vector(string name)
    {
        var c = TwilioSignatureVectors.Named(name);
        var token = c.GetProperty("authToken").GetString()!;
        var url = c.GetProperty("url").GetString()!;
        var signature = c.GetProperty("signature").GetString();

        var actual = c.TryGetProperty("body", out var body)
            ? TwilioSignatureCheck.IsValidJsonBody(token, url, Encoding.UTF8.GetBytes(body.GetString()!), signature)
            : TwilioSignatureCheck.IsValidForm(token, url, TwilioSignatureVectors.FormPairs(c), signature);

        Assert.Equal(c.GetProperty("valid").GetBoolean(), actual);
    }

    [Fact]
    public void Json_body_with_a_changed_body_is_rejected_even_when_the_url_signature_holds()
    {
        var c = TwilioSignatureVectors.All.Single(v => v.TryGetProperty("body", out _));
        var token = c.GetProperty("authToken").GetString()!;
        var url = c.GetProperty("url").GetString()!;
        var signature = c.GetProperty("signature").GetString();
        var tampered = c.GetProperty("body").GetString()!.Replace("completed", "canceled", StringComparison.Ordinal);

        Assert.True(TwilioSignatureCheck.IsValidUrl(token, url, signature));
        Assert.False(TwilioSignatureCheck.IsValidJsonBody(token, url, Encoding.UTF8.GetBytes(tampered), signature));
    }

    [Fact]
    public void A_json_body_that_is_not_utf8_is_refused()
    {
        byte[] body = [(byte)'{', 0xC3, 0x28, (byte)'}'];
        var (url, signature) = TwilioRequestSigner.SignJsonBody(Token, "https://voice.example.com/hooks/json", body);

        var (utf8Url, utf8Signature) = TwilioRequestSigner.SignJsonBody(Token, "https://voice.example.com/hooks/json", "{}"u8);

        Assert.False(TwilioSignatureCheck.IsValidJsonBody(Token, url, body, signature));
        Assert.True(TwilioSignatureCheck.IsValidJsonBody(Token, utf8Url, "{}"u8, utf8Signature));
    }

    [Fact]
    public void A_json_body_without_body_sha256_in_the_url_is_refused()
    {
        const string url = "https://voice.example.com/hooks/json";

        Assert.False(TwilioSignatureCheck.IsValidJsonBody(Token, url, "{}"u8, TwilioRequestSigner.Sign(Token, url)));
    }

    [Fact]
    public void A_signature_made_with_the_default_port_validates_against_the_url_without_it_and_not_another_port()
    {
        var signed = TwilioRequestSigner.Sign(Token, "https://voice.example.com:443/a?b=1");

        Assert.True(TwilioSignatureCheck.IsValidUrl(Token, "https://voice.example.com/a?b=1", signed));
        Assert.False(TwilioSignatureCheck.IsValidUrl(Token, "https://voice.example.com:8443/a?b=1", signed));
    }

    [Fact]
    public void A_local_ws_url_with_its_port_validates()
    {
        const string url = "ws://127.0.0.1:24003/agents/front-desk/ws";

        Assert.True(TwilioSignatureCheck.IsValidUrl(Token, url, TwilioRequestSigner.Sign(Token, url)));
        Assert.False(TwilioSignatureCheck.IsValidUrl(Token, "ws://127.0.0.1:24004/agents/front-desk/ws", TwilioRequestSigner.Sign(Token, url)));
    }

    [Fact]
    public void Forged_missing_and_wrong_token_signatures_are_refused()
    {
        const string url = "https://voice.example.com/agents/a/incoming-call";
        KeyValuePair<string, string>[] form = [new("CallSid", "CA00000000000000000000000000000000"), new("From", "+14155550100")];

        Assert.True(TwilioSignatureCheck.IsValidForm(Token, url, form, TwilioRequestSigner.Sign(Token, url, form)));
        Assert.False(TwilioSignatureCheck.IsValidForm(Token, url, form, Convert.ToBase64String(RandomNumberGenerator.GetBytes(20))));
        Assert.False(TwilioSignatureCheck.IsValidForm(Token, url, form, null));
        Assert.False(TwilioSignatureCheck.IsValidForm(Token, url, form, ""));
        Assert.False(TwilioSignatureCheck.IsValidForm(Token, url, form, TwilioRequestSigner.Sign("another-token", url, form)));
        Assert.False(TwilioSignatureCheck.IsValidForm("", url, form, TwilioRequestSigner.Sign("", url, form)));
    }

    [Fact]
    public void Repeated_names_are_signed_value_by_value_in_any_order_and_none_may_be_dropped()
    {
        const string url = "https://voice.example.com/calls/status";
        KeyValuePair<string, string>[] form =
        [
            new("StatusCallbackEvent", "ringing"), new("CallSid", "CA00000000000000000000000000000000"),
            new("StatusCallbackEvent", "answered"), new("StatusCallbackEvent", "initiated"),
        ];
        var signature = TwilioRequestSigner.Sign(Token, url, form);

        Assert.True(TwilioSignatureCheck.IsValidForm(Token, url, form.Reverse(), signature));
        Assert.False(TwilioSignatureCheck.IsValidForm(Token, url, form[..3], signature));
        Assert.False(TwilioSignatureCheck.IsValidForm(Token, url, [.. form, new("StatusCallbackEvent", "completed")], signature));
    }

    [Fact]
    public void A_wss_url_validates_with_and_without_its_default_port()
    {
        Assert.True(TwilioSignatureCheck.IsValidUrl(Token, "wss://relay.example.com:443/agents/a/ws", TwilioRequestSigner.Sign(Token, "wss://relay.example.com/agents/a/ws")));
        Assert.True(TwilioSignatureCheck.IsValidUrl(Token, "wss://relay.example.com/agents/a/ws", TwilioRequestSigner.Sign(Token, "wss://relay.example.com:443/agents/a/ws")));
    }

    [Theory]
    [InlineData("https://exa mple.com/a")]
    [InlineData("not a url")]
    [InlineData("https://[::1/a")]
    public void A_request_url_the_sdk_cannot_parse_is_invalid_not_an_exception(string url)
    {
        Assert.False(TwilioSignatureCheck.IsValidUrl(Token, url, TwilioRequestSigner.Sign(Token, "https://example.com/a")));
    }
}
