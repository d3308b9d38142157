using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AgentOS.Voice.Simulator.Signing;
using AgentOS.Voice.TestSupport;
using AgentOS.Voice.Twilio;
using AgentOS.Voice.Twilio.Webhooks;

namespace AgentOS.Voice.Core.Tests.Twilio;

public sealed class TwilioRequestValidatorTests : IAsyncLifetime
{
    private const string Token = FakeTwilioApi.AuthToken;
    private const string PublicBase = "https://voice.example.com";

    private static readonly KeyValuePair<string, string>[] CallParams =
    [
        new("AccountSid", FakeTwilioApi.AccountSid), new("CallSid", FakeTwilioApi.CallSid), new("CallStatus", "in-progress"),
        new("From", "+14155552671"), new("To", "+15005550006"), new("SessionId", "VX05ea233b866d7b398e742516b3db6113"),
        new("SessionStatus", "ended"), new("SessionDuration", "95"), new("HandoffData", "{\"reasonCode\":\"live-agent-handoff\"}"),
        new("Timestamp", "Tue, 24 Nov 2026 10:00:00 +0000"), new("Caller Name", "Ann & Bob + Co — Grüß"),
    ];

    private SignedWebhookApp _app = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _app = await SignedWebhookApp.StartAsync(Token, PublicBase);
        _http = new HttpClient { BaseAddress = _app.BaseAddress };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _app.DisposeAsync();
    }

    private static HttpRequestMessage FormPost(string path, IEnumerable<KeyValuePair<string, string>> form, string? signature)
    {
        var message = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(form) };
        if (signature is not null)
        {
            message.Headers.Add(TwilioRequestSigner.HeaderName, signature);
        }

        return message;
    }

    private async Task AssertRejected(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(TwilioSignatureFilter.ProblemTitle, problem.GetProperty("title").GetString());
        Assert.Equal(0, _app.HandlerRuns);
    }

    [Fact]
    public async Task A_correctly_signed_form_post_reaches_the_handler_and_parses()
    {
        var signature = TwilioRequestSigner.Sign(Token, PublicBase + "/agents/agent-1/relay-action", CallParams);

        using var response = await _http.SendAsync(FormPost("/agents/agent-1/relay-action", CallParams, signature));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, _app.HandlerRuns);
        var voice = await response.Content.ReadFromJsonAsync<TwilioVoiceRequest>();
        Assert.Equal(FakeTwilioApi.CallSid, voice!.CallSid);
        Assert.Equal("ended", voice.SessionStatus);
        Assert.Equal(95, voice.SessionDuration);
        Assert.Equal("{\"reasonCode\":\"live-agent-handoff\"}", voice.HandoffData);
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 10, 0, 0, TimeSpan.Zero), voice.Timestamp);
        Assert.Null(voice.RecordingUrl);
    }

    [Fact]
    public async Task An_unsigned_request_is_refused_and_logged_with_the_url_but_not_the_token()
    {
        using var response = await _http.SendAsync(FormPost("/agents/agent-1/relay-action", CallParams, null));

        await AssertRejected(response);
        var warning = Assert.Single(_app.Warnings, w => w.Contains("Twilio", StringComparison.Ordinal));
        Assert.Contains(PublicBase + "/agents/agent-1/relay-action", warning, StringComparison.Ordinal);
        Assert.Contains("missing", warning, StringComparison.Ordinal);
        Assert.DoesNotContain(_app.Warnings, w => w.Contains(Token, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_forged_signature_is_refused()
    {
        var forged = Convert.ToBase64String(RandomNumberGenerator.GetBytes(20));

        using var response = await _http.SendAsync(FormPost("/agents/agent-1/relay-action", CallParams, forged));

        await AssertRejected(response);
    }

    [Fact]
    public async Task A_tampered_value_is_refused()
    {
        var signature = TwilioRequestSigner.Sign(Token, PublicBase + "/agents/agent-1/relay-action", CallParams);
        var tampered = CallParams.Select(p => p.Key == "To" ? new KeyValuePair<string, string>("To", "+15005550007") : p);

        using var response = await _http.SendAsync(FormPost("/agents/agent-1/relay-action", tampered, signature));

        await AssertRejected(response);
    }

    [Fact]
    public async Task An_added_parameter_is_refused()
    {
        var signature = TwilioRequestSigner.Sign(Token, PublicBase + "/agents/agent-1/relay-action", CallParams);

        using var response = await _http.SendAsync(
            FormPost("/agents/agent-1/relay-action", CallParams.Append(new("Digits", "1")), signature));

        await AssertRejected(response);
    }

    [Fact]
    public async Task Twilios_form_encoding_is_decoded_as_twilio_signs_it()
    {
        // As Twilio posts it: '+' is a space, %2B a plus, %26 an ampersand, UTF-8 percent-encoded. Twilio signs the
        // decoded values.
        const string body = "CallSid=CA00000000000000000000000000000001&CallerName=Ann+%26+Bob+%2B+Co&FromCity=S%C3%83O+PAULO&SpeechResult=100%25+sure%3D+ok";
        KeyValuePair<string, string>[] decoded =
        [
            new("CallSid", "CA00000000000000000000000000000001"), new("CallerName", "Ann & Bob + Co"), new("FromCity", "SÃO PAULO"),
            new("SpeechResult", "100% sure= ok"),
        ];
        KeyValuePair<string, string>[] undecoded =
        [
            new("CallSid", "CA00000000000000000000000000000001"), new("CallerName", "Ann+%26+Bob+%2B+Co"), new("FromCity", "S%C3%83O+PAULO"),
            new("SpeechResult", "100%25+sure%3D+ok"),
        ];

        HttpRequestMessage Raw(string signature)
        {
            var message = new HttpRequestMessage(HttpMethod.Post, "/calls/status") { Content = new ByteArrayContent(Encoding.ASCII.GetBytes(body)) };
            message.Content.Headers.ContentType = new("application/x-www-form-urlencoded");
            message.Headers.Add(TwilioRequestSigner.HeaderName, signature);
            return message;
        }

        using var wrongReading = await _http.SendAsync(Raw(TwilioRequestSigner.Sign(Token, PublicBase + "/calls/status", undecoded)));
        Assert.Equal(HttpStatusCode.Forbidden, wrongReading.StatusCode);
        using var asTwilioSigns = await _http.SendAsync(Raw(TwilioRequestSigner.Sign(Token, PublicBase + "/calls/status", decoded)));
        Assert.Equal(HttpStatusCode.OK, asTwilioSigns.StatusCode);
        Assert.Equal(1, _app.HandlerRuns);
    }

    [Fact]
    public async Task A_signature_for_another_url_is_refused()
    {
        var signature = TwilioRequestSigner.Sign(Token, PublicBase + "/agents/agent-2/relay-action", CallParams);

        using var response = await _http.SendAsync(FormPost("/agents/agent-1/relay-action", CallParams, signature));

        await AssertRejected(response);
    }

    [Fact]
    public async Task A_form_too_large_to_read_is_refused_not_an_error()
    {
        var form = Enumerable.Range(0, 1100).Select(i => new KeyValuePair<string, string>($"k{i}", "v")).ToArray();
        var signature = TwilioRequestSigner.Sign(Token, PublicBase + "/calls/status", form);

        using var response = await _http.SendAsync(FormPost("/calls/status", form, signature));

        await AssertRejected(response);
    }

    [Fact]
    public async Task Repeated_parameters_all_count()
    {
        KeyValuePair<string, string>[] form =
        [
            new("CallSid", FakeTwilioApi.CallSid), new("StatusCallbackEvent", "initiated"), new("StatusCallbackEvent", "answered"),
        ];
        var signature = TwilioRequestSigner.Sign(Token, PublicBase + "/calls/status", form);

        using var whole = await _http.SendAsync(FormPost("/calls/status", form, signature));
        Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
        Assert.Equal(1, _app.HandlerRuns);

        using var oneDropped = await _http.SendAsync(FormPost("/calls/status", form[..2], signature));
        Assert.Equal(HttpStatusCode.Forbidden, oneDropped.StatusCode);
        Assert.Equal(1, _app.HandlerRuns);
    }

    [Fact]
    public async Task A_json_body_is_checked_against_body_sha256_and_still_readable_by_the_handler()
    {
        const string body = "{\"event\":\"call.completed\",\"note\":\"Grüß Gott\"}";
        var (url, signature) = TwilioRequestSigner.SignJsonBody(Token, PublicBase + "/hooks/json", Encoding.UTF8.GetBytes(body));
        var path = url[PublicBase.Length..];

        using var signed = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        signed.Headers.Add(TwilioRequestSigner.HeaderName, signature);
        using var response = await _http.SendAsync(signed);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(body, await response.Content.ReadAsStringAsync());

        using var tampered = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(body.Replace("completed", "canceled", StringComparison.Ordinal), Encoding.UTF8, "application/json"),
        };
        tampered.Headers.Add(TwilioRequestSigner.HeaderName, signature);
        using var refused = await _http.SendAsync(tampered);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(1, _app.HandlerRuns);
    }

    [Fact]
    public async Task A_get_is_signed_over_the_url_with_its_query()
    {
        const string path = "/calls/c-1/twiml?callId=c-1&attempt=2";
        using var signed = new HttpRequestMessage(HttpMethod.Get, path);
        signed.Headers.Add(TwilioRequestSigner.HeaderName, TwilioRequestSigner.Sign(Token, PublicBase + path));
        using var altered = new HttpRequestMessage(HttpMethod.Get, "/calls/c-1/twiml?callId=c-2&attempt=2");
        altered.Headers.Add(TwilioRequestSigner.HeaderName, TwilioRequestSigner.Sign(Token, PublicBase + path));

        Assert.Equal(HttpStatusCode.OK, (await _http.SendAsync(signed)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _http.SendAsync(altered)).StatusCode);
    }

    [Fact]
    public async Task The_configured_public_url_wins_over_what_kestrel_sees()
    {
        var local = new Uri(_app.BaseAddress, "/single/voice").ToString();

        using var signedForLocal = await _http.SendAsync(FormPost("/single/voice", CallParams, TwilioRequestSigner.Sign(Token, local, CallParams)));
        Assert.Equal(HttpStatusCode.Forbidden, signedForLocal.StatusCode);

        using var signedForPublic = await _http.SendAsync(
            FormPost("/single/voice", CallParams, TwilioRequestSigner.Sign(Token, PublicBase + "/single/voice", CallParams)));
        Assert.Equal(HttpStatusCode.OK, signedForPublic.StatusCode);
        Assert.Equal(1, _app.HandlerRuns);
    }

    [Fact]
    public async Task Behind_a_proxy_the_forwarded_scheme_and_host_are_what_twilio_signed()
    {
        await using var app = await SignedWebhookApp.StartAsync(Token);
        using var http = new HttpClient { BaseAddress = app.BaseAddress };
        var signature = TwilioRequestSigner.Sign(Token, "https://voice.example.com/agents/agent-1/incoming-call", CallParams);

        using var proxied = FormPost("/agents/agent-1/incoming-call", CallParams, signature);
        proxied.Headers.Add("X-Forwarded-Proto", "https");
        proxied.Headers.Add("X-Forwarded-Host", "voice.example.com");
        using var direct = FormPost("/agents/agent-1/incoming-call", CallParams, signature);

        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(proxied)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await http.SendAsync(direct)).StatusCode);
        Assert.Equal(1, app.HandlerRuns);
    }

    public static TheoryData<string> SignatureVectors()
    {
        var data = new TheoryData<string>();
        foreach (var c in TwilioSignatureVectors.All)
        {
            data.Add(c.GetProperty("name").GetString()!);
        }

        return data;
    }

    /// <summary>
    /// Each reference request replayed through a real app: Kestrel is plain http on 127.0.0.1, so the vector's public
    /// scheme and host arrive as forwarded headers, as they do behind ingress. Upgrades go through IsValidUpgrade.
    /// </summary>
    [Theory]
    [MemberData(nameof(SignatureVectors))]
    public async Task Reference_requests_replayed_through_the_filter(string name)
    {
        var c = TwilioSignatureVectors.Named(name);
        var url = new Uri(c.GetProperty("url").GetString()!);
        var signature = c.GetProperty("signature").GetString()!;
        var expected = c.GetProperty("valid").GetBoolean();
        var authority = url.OriginalString.Split('/')[2];

        // The app holds the account's real token; the "wrong auth token" case is the app holding another one.
        await using var app = await SignedWebhookApp.StartAsync(c.GetProperty("authToken").GetString()!);

        if (url.Scheme is "wss" or "ws")
        {
            using var socket = new ClientWebSocket();
            socket.Options.SetRequestHeader(TwilioRequestSigner.HeaderName, signature);
            socket.Options.SetRequestHeader("X-Forwarded-Proto", url.Scheme == "wss" ? "https" : "http");
            socket.Options.SetRequestHeader("X-Forwarded-Host", authority);
            var target = new Uri($"ws://{app.BaseAddress.Authority}{url.PathAndQuery}");
            if (expected)
            {
                await socket.ConnectAsync(target, CancellationToken.None);
                Assert.Equal(WebSocketState.Open, socket.State);
            }
            else
            {
                await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(target, CancellationToken.None));
            }
        }
        else
        {
            using var http = new HttpClient { BaseAddress = app.BaseAddress };
            using var request = new HttpRequestMessage(HttpMethod.Post, url.PathAndQuery)
            {
                Content = c.TryGetProperty("body", out var body)
                    ? new StringContent(body.GetString()!, Encoding.UTF8, "application/json")
                    : new FormUrlEncodedContent(TwilioSignatureVectors.FormPairs(c)),
            };
            request.Headers.TryAddWithoutValidation(TwilioRequestSigner.HeaderName, signature);
            request.Headers.Add("X-Forwarded-Proto", url.Scheme);
            request.Headers.Add("X-Forwarded-Host", authority);

            using var response = await http.SendAsync(request);

            Assert.Equal(expected ? HttpStatusCode.OK : HttpStatusCode.Forbidden, response.StatusCode);
        }

        Assert.Equal(expected ? 1 : 0, app.HandlerRuns);
    }
}
