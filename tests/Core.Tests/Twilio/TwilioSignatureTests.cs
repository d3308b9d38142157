using System.Text;
using System.Text.Json;
using AgentOS.Voice.TestSupport;
using AgentOS.Voice.Twilio;

namespace AgentOS.Voice.Core.Tests.Twilio;

public class TwilioSignatureTests
{
    public static TheoryData<string> SignatureCases()
    {
        var data = new TheoryData<string>();
        foreach (var c in RepoPaths.Vectors("twilio.json").GetProperty("signatures").EnumerateArray())
        {
            data.Add(c.GetProperty("name").GetString()!);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SignatureCases))]
    public void Agrees_with_the_reference_vector(string name)
    {
        var c = RepoPaths.Vectors("twilio.json").GetProperty("signatures").EnumerateArray()
            .Single(v => v.GetProperty("name").GetString() == name);
        var token = c.GetProperty("authToken").GetString()!;
        var url = c.GetProperty("url").GetString()!;
        var signature = c.GetProperty("signature").GetString();
        var expected = c.GetProperty("valid").GetBoolean();

        bool actual;
        if (c.TryGetProperty("body", out var body))
        {
            actual = TwilioSignature.IsValidJsonBody(token, url, Encoding.UTF8.GetBytes(body.GetString()!), signature);
        }
        else
        {
            actual = TwilioSignature.IsValid(token, url, Pairs(c.GetProperty("params")), signature);
        }

        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Json_body_with_a_changed_body_is_rejected_even_when_the_url_signature_holds()
    {
        var c = RepoPaths.Vectors("twilio.json").GetProperty("signatures").EnumerateArray()
            .Single(v => v.TryGetProperty("body", out _));
        var tampered = c.GetProperty("body").GetString()!.Replace("completed", "canceled", StringComparison.Ordinal);

        Assert.False(TwilioSignature.IsValidJsonBody(
            c.GetProperty("authToken").GetString()!, c.GetProperty("url").GetString()!, Encoding.UTF8.GetBytes(tampered),
            c.GetProperty("signature").GetString()));
    }

    [Fact]
    public void Compute_reproduces_the_reference_signature_for_a_websocket_upgrade()
    {
        var c = RepoPaths.Vectors("twilio.json").GetProperty("signatures").EnumerateArray()
            .First(v => v.GetProperty("url").GetString()!.StartsWith("wss://", StringComparison.Ordinal));

        Assert.Equal(c.GetProperty("signature").GetString(),
            TwilioSignature.Compute(c.GetProperty("authToken").GetString()!, c.GetProperty("url").GetString()!));
    }

    [Fact]
    public void A_signature_made_with_the_port_validates_against_the_url_without_it()
    {
        const string token = "secret";
        var signed = TwilioSignature.Compute(token, "https://voice.example.com:443/a?b=1");

        Assert.True(TwilioSignature.IsValid(token, "https://voice.example.com/a?b=1", null, signed));
        Assert.False(TwilioSignature.IsValid(token, "https://voice.example.com:8443/a?b=1", null, signed));
    }

    internal static IEnumerable<KeyValuePair<string, string>> Pairs(JsonElement parameters)
    {
        foreach (var p in parameters.EnumerateObject())
        {
            if (p.Value.ValueKind == JsonValueKind.Array)
            {
                foreach (var v in p.Value.EnumerateArray())
                {
                    yield return new(p.Name, v.GetString()!);
                }
            }
            else
            {
                yield return new(p.Name, p.Value.GetString()!);
            }
        }
    }
}
