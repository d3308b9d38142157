using System.Text;
using AgentOS.Voice.Hosting;
using AgentOS.Voice.Twilio;
using AgentOS.Voice.Twilio.Rest;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace AgentOS.Voice.Core.Tests.Twilio;

public sealed class TwilioClientTests : IAsyncLifetime
{
    private FakeTwilioApi _twilio = null!;

    public async Task InitializeAsync() => _twilio = await FakeTwilioApi.StartAsync();

    public async Task DisposeAsync() => await _twilio.DisposeAsync();

    // The same wiring as the apps: service defaults (standard resilience on every client) and then AddTwilio.
    private IHost BuildHost(Dictionary<string, string?>? extra = null, TimeProvider? time = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Twilio:AccountSid"] = FakeTwilioApi.AccountSid,
            ["Twilio:AuthToken"] = FakeTwilioApi.AuthToken,
            ["Twilio:ApiBaseUrl"] = _twilio.BaseUrl,
            ["Twilio:CallsPerSecond"] = "1000",
            // Short retry delays keep the retry tests quick; the rules under test do not depend on them.
            ["Twilio:Resilience:Retry:Delay"] = "00:00:00.010",
            ["Twilio:Resilience:Retry:UseJitter"] = "false",
        });
        if (extra is not null)
        {
            builder.Configuration.AddInMemoryCollection(extra);
        }

        builder.AddServiceDefaults();
        builder.Services.AddTwilio(builder.Configuration);
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }

        return builder.Build();
    }

    private static CreateCallRequest NewCall() => new()
    {
        To = "+14155552671",
        From = "+15005550006",
        Url = "https://voice.example.com/calls/c-1/twiml",
        StatusCallback = "https://voice.example.com/calls/status",
        StatusCallbackEvents = [CallProgressEvent.Initiated, CallProgressEvent.Answered, CallProgressEvent.Completed],
        MachineDetection = MachineDetection.DetectMessageEnd,
        AsyncAmd = true,
        AsyncAmdStatusCallback = "https://voice.example.com/calls/amd",
        Timeout = 25,
    };

    [Fact]
    public async Task Create_call_posts_the_form_with_basic_auth_and_parses_the_201_resource()
    {
        using var host = BuildHost();
        var client = host.Services.GetRequiredService<TwilioClient>();

        var call = await client.CreateCallAsync(NewCall());

        var request = Assert.Single(_twilio.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal($"/2010-04-01/Accounts/{FakeTwilioApi.AccountSid}/Calls.json", request.Path);
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{FakeTwilioApi.AccountSid}:{FakeTwilioApi.AuthToken}")), request.Authorization);
        Assert.Equal(
        [
            new("To", "+14155552671"), new("From", "+15005550006"), new("Url", "https://voice.example.com/calls/c-1/twiml"),
            new("StatusCallback", "https://voice.example.com/calls/status"), new("StatusCallbackEvent", "initiated"),
            new("StatusCallbackEvent", "answered"), new("StatusCallbackEvent", "completed"), new("MachineDetection", "DetectMessageEnd"),
            new("AsyncAmd", "true"), new("AsyncAmdStatusCallback", "https://voice.example.com/calls/amd"), new("Timeout", "25"),
        ], request.Form);

        Assert.Equal(FakeTwilioApi.CallSid, call.Sid);
        Assert.Equal("queued", call.Status);
        Assert.Equal("outbound-api", call.Direction);
        Assert.Equal(FakeTwilioApi.AccountSid, call.AccountSid);
        Assert.Equal(42, call.Duration);
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 10, 0, 0, TimeSpan.Zero), call.DateCreated);
        Assert.Null(call.EndTime);
    }

    [Fact]
    public async Task An_api_key_replaces_the_auth_token_as_credentials()
    {
        _twilio.ExpectedCredentials = "SK0123456789abcdef0123456789abcdef:key-secret";
        using var host = BuildHost(new()
        {
            ["Twilio:ApiKeySid"] = "SK0123456789abcdef0123456789abcdef",
            ["Twilio:ApiKeySecret"] = "key-secret",
        });

        var call = await host.Services.GetRequiredService<TwilioClient>().CreateCallAsync(NewCall() with { Twiml = "<Response/>", Url = null });

        Assert.Equal("queued", call.Status);
        Assert.Contains(new KeyValuePair<string, string>("Twiml", "<Response/>"), Assert.Single(_twilio.Requests).Form);
    }

    [Fact]
    public async Task Twilio_error_json_becomes_a_typed_exception_with_the_code()
    {
        _twilio.Answers.Enqueue((400, "application/json", FakeTwilioApi.Error(21211, "Invalid 'To' Phone Number: +1415555", 400)));
        using var host = BuildHost();

        var error = await Assert.ThrowsAsync<TwilioApiException>(() =>
            host.Services.GetRequiredService<TwilioClient>().CreateCallAsync(NewCall() with { To = "+1415555" }));

        Assert.Equal(21211, error.Code);
        Assert.Equal(400, error.HttpStatus);
        Assert.Equal("Invalid 'To' Phone Number: +1415555", error.TwilioMessage);
        Assert.Equal("https://www.twilio.com/docs/errors/21211", error.MoreInfo);
        Assert.Contains("21211", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_500_on_create_call_is_not_retried_because_the_call_may_already_be_ringing()
    {
        _twilio.Answers.Enqueue((500, "text/html", "<html><body>Internal error</body></html>"));
        using var host = BuildHost();

        var error = await Assert.ThrowsAsync<TwilioApiException>(() =>
            host.Services.GetRequiredService<TwilioClient>().CreateCallAsync(NewCall()));

        Assert.Single(_twilio.Requests);
        Assert.Equal(500, error.HttpStatus);
        Assert.Null(error.Code);
        Assert.Contains("Internal error", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_429_on_create_call_is_retried_because_twilio_did_nothing()
    {
        _twilio.Answers.Enqueue((429, "application/json", FakeTwilioApi.Error(20429, "Too Many Requests", 429)));
        using var host = BuildHost();

        var call = await host.Services.GetRequiredService<TwilioClient>().CreateCallAsync(NewCall());

        Assert.Equal(2, _twilio.Requests.Count);
        Assert.Equal("queued", call.Status);
    }

    [Fact]
    public async Task Fetching_a_call_is_retried_on_a_5xx()
    {
        _twilio.Answers.Enqueue((503, "text/plain", "busy"));
        using var host = BuildHost();

        var call = await host.Services.GetRequiredService<TwilioClient>().GetCallAsync(FakeTwilioApi.CallSid);

        Assert.Equal(2, _twilio.Requests.Count);
        Assert.All(_twilio.Requests, r => Assert.Equal("GET", r.Method));
        Assert.Equal("in-progress", call.Status);
    }

    [Fact]
    public async Task Update_sends_new_twiml_or_an_end_status_to_the_call()
    {
        using var host = BuildHost();
        var client = host.Services.GetRequiredService<TwilioClient>();

        await client.UpdateCallAsync(FakeTwilioApi.CallSid, UpdateCallRequest.WithTwiml("<Response><Hangup/></Response>"));
        var ended = await client.UpdateCallAsync(FakeTwilioApi.CallSid, UpdateCallRequest.End());

        var requests = _twilio.Requests.ToArray();
        Assert.All(requests, r => Assert.Equal($"/2010-04-01/Accounts/{FakeTwilioApi.AccountSid}/Calls/{FakeTwilioApi.CallSid}.json", r.Path));
        Assert.Equal([new("Twiml", "<Response><Hangup/></Response>")], requests[0].Form);
        Assert.Equal([new("Status", "completed")], requests[1].Form);
        Assert.Equal("completed", ended.Status);
    }

    [Fact]
    public async Task Invalid_requests_fail_before_anything_is_sent()
    {
        using var host = BuildHost();
        var client = host.Services.GetRequiredService<TwilioClient>();

        var tooLong = await Assert.ThrowsAsync<ArgumentException>(() =>
            client.CreateCallAsync(NewCall() with { Url = null, Twiml = "<Response><Say>" + new string('a', 4000) + "</Say></Response>" }));
        Assert.Contains("4000", tooLong.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentException>(() => client.CreateCallAsync(NewCall() with { Twiml = "<Response/>" }));
        await Assert.ThrowsAsync<ArgumentException>(() => client.CreateCallAsync(NewCall() with { Url = null }));
        await Assert.ThrowsAsync<ArgumentException>(() => client.CreateCallAsync(NewCall() with { Url = "/calls/c-1/twiml" }));
        await Assert.ThrowsAsync<ArgumentException>(() => client.CreateCallAsync(NewCall() with { MachineDetection = null }));
        await Assert.ThrowsAsync<ArgumentException>(() =>
            client.UpdateCallAsync(FakeTwilioApi.CallSid, new UpdateCallRequest { Twiml = "<Response/>", Url = "https://a.example.com" }));

        Assert.Empty(_twilio.Requests);
    }

    [Fact]
    public async Task Create_call_waits_for_the_rate_limiter()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-24T10:00:00Z"));
        using var host = BuildHost(new() { ["Twilio:CallsPerSecond"] = "1" }, time);
        var client = host.Services.GetRequiredService<TwilioClient>();

        await client.CreateCallAsync(NewCall());
        var second = client.CreateCallAsync(NewCall());
        await Task.Yield();

        Assert.False(second.IsCompleted);
        Assert.Single(_twilio.Requests);
        time.Advance(TimeSpan.FromSeconds(1));
        await second.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(2, _twilio.Requests.Count);
    }

    [Fact]
    public void Options_are_validated_at_start()
    {
        using var host = BuildHost(new() { ["Twilio:AccountSid"] = "not-a-sid", ["Twilio:ApiKeySid"] = "SK1" });

        var error = Assert.ThrowsAny<Exception>(() => host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<TwilioOptions>>().Value);
        Assert.Contains("AccountSid", error.Message, StringComparison.Ordinal);
        Assert.Contains("ApiKeySecret", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Public_urls_must_be_absolute_bases()
    {
        using var host = BuildHost(new() { ["PublicUrls:FunctionsBaseUrl"] = "voice.example.com", ["PublicUrls:RelayBaseUrl"] = "https://relay.example.com" });

        var error = Assert.ThrowsAny<Exception>(() => host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<PublicUrlOptions>>().Value);
        Assert.Contains("FunctionsBaseUrl", error.Message, StringComparison.Ordinal);
        Assert.Contains("RelayBaseUrl", error.Message, StringComparison.Ordinal);
    }
}
