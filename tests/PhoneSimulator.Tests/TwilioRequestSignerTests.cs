using System.Text;
using AgentOS.Voice.Simulator.Signing;
using AgentOS.Voice.TestSupport;

namespace AgentOS.Voice.Simulator.Tests;

/// <summary>The simulator's own signer reproduces Twilio's reference signatures (made with Twilio's helper library).</summary>
public class TwilioRequestSignerTests
{
    public static TheoryData<string> ValidCases()
    {
        var data = new TheoryData<string>();
        foreach (var c in TwilioSignatureVectors.All
                     .Where(c => c.GetProperty("valid").GetBoolean() && !c.TryGetProperty("body", out _)
                                 && !c.GetProperty("name").GetString()!.Contains("port", StringComparison.Ordinal)))
        {
            data.Add(c.GetProperty("name").GetString()!);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ValidCases))]
    public void Reproduces_the_reference_signature(string name)
    {
        var c = TwilioSignatureVectors.Named(name);

        Assert.Equal(c.GetProperty("signature").GetString(),
            TwilioRequestSigner.Sign(c.GetProperty("authToken").GetString()!, c.GetProperty("url").GetString()!, TwilioSignatureVectors.FormPairs(c)));
    }

    [Fact]
    public void Reproduces_the_reference_json_body_url_and_signature()
    {
        var c = TwilioSignatureVectors.All.Single(v => v.TryGetProperty("body", out _));
        var url = c.GetProperty("url").GetString()!;

        var (signedUrl, signature) = TwilioRequestSigner.SignJsonBody(
            c.GetProperty("authToken").GetString()!, url[..url.IndexOf('?', StringComparison.Ordinal)], Encoding.UTF8.GetBytes(c.GetProperty("body").GetString()!));

        Assert.Equal(url, signedUrl);
        Assert.Equal(c.GetProperty("signature").GetString(), signature);
    }

    [Fact]
    public void Repeated_names_are_signed_in_value_order_whatever_order_they_are_given_in()
    {
        KeyValuePair<string, string>[] form = [new("E", "b"), new("A", "1"), new("E", "a")];

        Assert.Equal(TwilioRequestSigner.Sign("t", "https://x.example.com/s", [new("A", "1"), new("E", "a"), new("E", "b")]),
            TwilioRequestSigner.Sign("t", "https://x.example.com/s", form));
        Assert.NotEqual(TwilioRequestSigner.Sign("t", "https://x.example.com/s", form), TwilioRequestSigner.Sign("t", "https://x.example.com/s", form[..2]));
    }
}
