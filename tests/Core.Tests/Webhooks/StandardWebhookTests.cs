using System.Text;
using AgentOS.Voice.Webhooks;

namespace AgentOS.Voice.Core.Tests.Webhooks;

public class StandardWebhookTests
{
    // The Standard Webhooks specification's published example, reproduced by its reference libraries.
    private const string SpecSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private const string SpecId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private const long SpecTimestamp = 1614265330;
    private const string SpecBody = "{\"test\": 2432232314}";
    private const string SpecSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    [Fact]
    public void Signing_reproduces_the_specifications_example()
    {
        Assert.Equal(SpecSignature, StandardWebhook.Sign(SpecSecret, SpecId, SpecTimestamp, Encoding.UTF8.GetBytes(SpecBody)));
    }

    [Fact]
    public void Verification_accepts_the_example_among_several_signatures_and_refuses_any_change()
    {
        var at = DateTimeOffset.FromUnixTimeSeconds(SpecTimestamp + 10);
        var body = Encoding.UTF8.GetBytes(SpecBody);

        Assert.True(StandardWebhook.Verify(SpecSecret, SpecId, "1614265330", "v1,bm9wZQ== " + SpecSignature, body, at));
        Assert.False(StandardWebhook.Verify(SpecSecret, SpecId, "1614265330", SpecSignature, Encoding.UTF8.GetBytes("{\"test\": 2432232315}"), at));
        Assert.False(StandardWebhook.Verify(SpecSecret, "msg_other", "1614265330", SpecSignature, body, at));
        Assert.False(StandardWebhook.Verify("whsec_" + Convert.ToBase64String(new byte[32]), SpecId, "1614265330", SpecSignature, body, at));
        // Older than the spec's five-minute tolerance: a replay.
        Assert.False(StandardWebhook.Verify(SpecSecret, SpecId, "1614265330", SpecSignature, body, at.AddMinutes(6)));
    }

    [Fact]
    public void New_secrets_are_whsec_with_32_random_bytes()
    {
        var a = StandardWebhook.NewSecret();
        var b = StandardWebhook.NewSecret();

        Assert.True(StandardWebhook.IsSecret(a));
        Assert.StartsWith("whsec_", a);
        Assert.Equal(32, Convert.FromBase64String(a["whsec_".Length..]).Length);
        Assert.NotEqual(a, b);
        Assert.False(StandardWebhook.IsSecret("whsec_c2hvcnQ="));
    }
}
