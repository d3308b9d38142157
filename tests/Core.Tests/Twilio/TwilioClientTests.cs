using System.Text;
using AgentOS.Voice.Hosting;
using AgentOS.Voice.TestSupport;
using AgentOS.Voice.Twilio;
using AgentOS.Voice.Twilio.Rest;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Twilio.Rest.Api.V2010.Account;
using Twilio.Types;

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

    private static CreateCallOptions NewCall(Action<CreateCallOptions>? change = null)
    {
        var options = new CreateCallOptions(new PhoneNumber("+14155552671"), new PhoneNumber("+15005550006"))
        {
            Url = new Uri("https://voice.example.com/calls/c-1/twiml"),
            StatusCallback = new Uri("https://voice.example.com/calls/status"),
            StatusCallbackEvent = ["initiated", "answered", "completed"],
            MachineDetection = "DetectMessageEnd",
            AsyncAmd = "true",
            AsyncAmdStatusCallback = new Uri("https://voice.example.com/calls/amd"),
            Timeout = 25,
        };
        change?.Invoke(options);
        return options;
    }

    // Form fields by name, values in the order sent: the order of names carries no meaning in a form.
    private static Dictionary<string, string[]> ByName(IEnumerable<KeyValuePair<string, string>> form) =>
        form.GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Select(p => p.Value).ToArray());

    [Fact]
    public async Task Create_call_posts_the_form_with_basic_auth_to_the_configured_base_and_parses_the_201_resource()
    {
        using var host = BuildHost();
        var client = host.Services.GetRequiredService<TwilioClient>();

        var call = await client.CreateCallAsync(NewCall());

        var request = Assert.Single(_twilio.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal($"/2010-04-01/Accounts/{FakeTwilioApi.AccountSid}/Calls.json", request.Path);
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{FakeTwilioApi.AccountSid}:{FakeTwilioApi.AuthToken}")), request.Authorization);
        Assert.Equivalent(new Dictionary<string, string[]>
        {
            ["To"] = ["+14155552671"], ["From"] = ["+15005550006"], ["Url"] = ["https://voice.example.com/calls/c-1/twiml"],
            ["StatusCallback"] = ["https://voice.example.com/calls/status"], ["StatusCallbackEvent"] = ["initiated", "answered", "completed"],
            ["MachineDetection"] = ["DetectMessageEnd"], ["AsyncAmd"] = ["true"], ["AsyncAmdStatusCallback"] = ["https://voice.example.com/calls/amd"],
            ["Timeout"] = ["25"],
        }, ByName(request.Form), strict: true);

        Assert.Equal(FakeTwilioApi.CallSid, call.Sid);
        Assert.Equal(CallResource.StatusEnum.Queued, call.Status);
        Assert.Equal("outbound-api", call.Direction);
        Assert.Equal(FakeTwilioApi.AccountSid, call.AccountSid);
        Assert.Equal("42", call.Duration);
        Assert.Equal(new DateTime(2026, 11, 24, 10, 0, 0), call.DateCreated?.ToUniversalTime());
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

        var call = await host.Services.GetRequiredService<TwilioClient>().CreateCallAsync(NewCall(o => (o.Url, o.Twiml) = (null, "<Response/>")));

        Assert.Equal(CallResource.StatusEnum.Queued, call.Status);
        var request = Assert.Single(_twilio.Requests);
        Assert.Contains(new KeyValuePair<string, string>("Twiml", "<Response/>"), request.Form);
        Assert.Equal($"/2010-04-01/Accounts/{FakeTwilioApi.AccountSid}/Calls.json", request.Path);
    }

    [Fact]
    public async Task Twilio_error_json_becomes_a_typed_exception_with_the_code()
    {
        _twilio.Answers.Enqueue((400, "application/json", FakeTwilioApi.Error(21211, "Invalid 'To' Phone Number: +1415555", 400)));
        using var host = BuildHost();

        var error = await Assert.ThrowsAsync<TwilioApiException>(() =>
            host.Services.GetRequiredService<TwilioClient>().CreateCallAsync(NewCall()));

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
        Assert.Equal(CallResource.StatusEnum.Queued, call.Status);
    }

    [Fact]
    public async Task Without_an_answer_create_call_throws_what_the_http_client_threw_not_a_twilio_refusal()
    {
        using var host = BuildHost(new() { ["Twilio:ApiBaseUrl"] = "http://127.0.0.1:" + FreePort.Next() });

        await Assert.ThrowsAsync<HttpRequestException>(() => host.Services.GetRequiredService<TwilioClient>().CreateCallAsync(NewCall()));
    }

    [Fact]
    public async Task Fetching_a_call_is_retried_on_a_5xx()
    {
        _twilio.Answers.Enqueue((503, "text/plain", "busy"));
        using var host = BuildHost();

        var call = await host.Services.GetRequiredService<TwilioClient>().GetCallAsync(FakeTwilioApi.CallSid);

        Assert.Equal(2, _twilio.Requests.Count);
        Assert.All(_twilio.Requests, r => Assert.Equal("GET", r.Method));
        Assert.All(_twilio.Requests, r => Assert.Equal($"/2010-04-01/Accounts/{FakeTwilioApi.AccountSid}/Calls/{FakeTwilioApi.CallSid}.json", r.Path));
        Assert.Equal(CallResource.StatusEnum.InProgress, call.Status);
    }

    [Fact]
    public async Task Update_sends_new_twiml_or_an_end_status_to_the_call()
    {
        using var host = BuildHost();
        var client = host.Services.GetRequiredService<TwilioClient>();

        await client.UpdateCallAsync(new UpdateCallOptions(FakeTwilioApi.CallSid) { Twiml = "<Response><Hangup/></Response>" });
        var ended = await client.UpdateCallAsync(new UpdateCallOptions(FakeTwilioApi.CallSid) { Status = CallResource.UpdateStatusEnum.Completed });

        var requests = _twilio.Requests.ToArray();
        Assert.All(requests, r => Assert.Equal($"/2010-04-01/Accounts/{FakeTwilioApi.AccountSid}/Calls/{FakeTwilioApi.CallSid}.json", r.Path));
        Assert.Equal([new("Twiml", "<Response><Hangup/></Response>")], requests[0].Form);
        Assert.Equal([new("Status", "completed")], requests[1].Form);
        Assert.Equal(CallResource.StatusEnum.Completed, ended.Status);
    }

    [Fact]
    public async Task Invalid_requests_fail_before_anything_is_sent()
    {
        using var host = BuildHost();
        var client = host.Services.GetRequiredService<TwilioClient>();

        var tooLong = await Assert.ThrowsAsync<ArgumentException>(() =>
            client.CreateCallAsync(NewCall(o => (o.Url, o.Twiml) = (null, "<Response><Say>" + new string('a', 4000) + "</Say></Response>"))));
        Assert.Contains("4000", tooLong.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentException>(() => client.CreateCallAsync(NewCall(o => o.Twiml = "<Response/>")));
        await Assert.ThrowsAsync<ArgumentException>(() => client.CreateCallAsync(NewCall(o => o.Url = null)));
        await Assert.ThrowsAsync<ArgumentException>(() => client.CreateCallAsync(NewCall(o => o.Url = new Uri("/calls/c-1/twiml", UriKind.Relative))));
        await Assert.ThrowsAsync<ArgumentException>(() => client.CreateCallAsync(NewCall(o => o.RecordingStatusCallback = "ftp://a.example.com/r")));
        await Assert.ThrowsAsync<ArgumentException>(() => client.CreateCallAsync(NewCall(o => o.MachineDetection = null)));
        await Assert.ThrowsAsync<ArgumentException>(() =>
            client.UpdateCallAsync(new UpdateCallOptions(FakeTwilioApi.CallSid) { Twiml = "<Response/>", Url = new Uri("https://a.example.com") }));
        await Assert.ThrowsAsync<ArgumentException>(() => client.UpdateCallAsync(new UpdateCallOptions(FakeTwilioApi.CallSid)));

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
