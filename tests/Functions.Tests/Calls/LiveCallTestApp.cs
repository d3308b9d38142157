using System.Collections.Concurrent;
using System.Net;
using System.Xml.Linq;
using AgentOS.Voice.Agents;
using AgentOS.Voice.Calls;
using AgentOS.Voice.Simulator.Signing;
using AgentOS.Voice.TestSupport;
using AgentOS.Voice.Twilio;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;

namespace AgentOS.Voice.Functions.Tests.Calls;

/// <summary>
/// The Functions app (test server, real Azurite) with Twilio's REST API replaced by <see cref="FakeTwilioApi"/> on a
/// loopback port, and helpers that sign webhooks the way Twilio does.
/// </summary>
internal sealed class LiveCallTestApp : IAsyncDisposable
{
    public const string AuthToken = "live-calls-test-token";
    public const string AccountSid = "AC0123456789abcdef0123456789abcdef";
    public const string FunctionsBase = "https://voice.test";
    public const string RelayBase = "wss://relay.test";
    public const string TicketSecret = "live-calls-test-ticket-secret-not-a-secret";

    private LiveCallTestApp(FunctionsAppFactory app, FakeTwilioApi twilio)
    {
        App = app;
        Twilio = twilio;
        Client = app.CreateClient();
    }

    public FunctionsAppFactory App { get; }
    public FakeTwilioApi Twilio { get; }
    public HttpClient Client { get; }
    public IAgentStore Agents => App.Services.GetRequiredService<IAgentStore>();
    public ICallStore Calls => App.Services.GetRequiredService<ICallStore>();
    public ICallContextStore Contexts => App.Services.GetRequiredService<ICallContextStore>();

    /// <summary>The ticket on a ConversationRelay URL from our TwiML, as RelayHost (same secret) would read it; null when it opens nothing.</summary>
    public RelayTicket? TicketOf(string agentId, string relayUrl)
    {
        var query = QueryHelpers.ParseQuery(new Uri(relayUrl).Query);
        return App.Services.GetRequiredService<RelayTickets>().Check(agentId, new QueryCollection(query), out _);
    }

    /// <param name="settings">Added to (or replacing) the test app's own settings.</param>
    public static async Task<LiveCallTestApp> StartAsync(AzuriteFixture azurite, params (string Key, string Value)[] settings)
    {
        var twilio = await FakeTwilioApi.StartAsync();
        var all = new Dictionary<string, string>
        {
            ["Twilio:AccountSid"] = AccountSid,
            ["Twilio:AuthToken"] = AuthToken,
            ["Twilio:ApiBaseUrl"] = twilio.BaseUrl,
            ["Twilio:CallsPerSecond"] = "1000",
            ["PublicUrls:FunctionsBaseUrl"] = FunctionsBase,
            ["PublicUrls:RelayBaseUrl"] = RelayBase,
            ["RelayTickets:Secret"] = TicketSecret,
            ["LiveCalls:TransferTimeoutSeconds"] = "25",
        };
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        var app = new FunctionsAppFactory(azurite.ConnectionString, "lc" + Guid.NewGuid().ToString("n")[..10], all);
        return new LiveCallTestApp(app, twilio);
    }

    /// <summary>The record incoming-call queues for the background recorder, once it is written.</summary>
    public async Task<CallRecord> WaitForCallAsync(string callId)
    {
        CallRecord? call = null;
        await Eventually.True(async () => (call = await Calls.GetCallAsync(callId)) is not null, $"the record of call {callId}");
        return call!;
    }

    public async Task<Agent> AddAgentAsync(Func<Agent, Agent>? change = null)
    {
        var agent = new Agent
        {
            Id = "a" + Guid.NewGuid().ToString("n")[..8],
            Name = "Front desk",
            PhoneNumber = "+14155550100",
            TransferNumber = "+14155550199",
            Greeting = "Hello {name}, this is the front desk.",
        };
        return await Agents.CreateAsync(change is null ? agent : change(agent));
    }

    /// <summary>POSTs a form signed over the public URL and every parameter; <paramref name="signature"/> overrides it (forgery).</summary>
    public Task<HttpResponseMessage> PostSignedAsync(string pathAndQuery, IDictionary<string, string> form, string? signature = null, string? traceParent = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, pathAndQuery) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Add(TwilioRequestSigner.HeaderName, signature ?? TwilioRequestSigner.Sign(AuthToken, FunctionsBase + pathAndQuery, form));
        if (traceParent is not null)
        {
            request.Headers.Add("traceparent", traceParent);
        }

        return Client.SendAsync(request);
    }

    public async Task<XElement> TwimlAsync(string pathAndQuery, IDictionary<string, string> form, string? traceParent = null)
    {
        using var response = await PostSignedAsync(pathAndQuery, form, traceParent: traceParent);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/xml", response.Content.Headers.ContentType?.ToString());
        var root = XElement.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Response", root.Name.LocalName);
        return root;
    }

    public static Dictionary<string, string> VoiceForm(string callSid, params (string Key, string Value)[] extra)
    {
        var form = new Dictionary<string, string>
        {
            ["AccountSid"] = AccountSid,
            ["CallSid"] = callSid,
            ["From"] = "+14155550123",
            ["To"] = "+14155550100",
            ["CallStatus"] = "ringing",
            ["Direction"] = "inbound",
        };
        foreach (var (key, value) in extra)
        {
            form[key] = value;
        }

        return form;
    }

    public static string NewCallSid() => "CA" + Guid.NewGuid().ToString("n");

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.DisposeAsync();
        await Twilio.DisposeAsync();
    }
}

/// <summary>
/// Twilio's create-call endpoint as documented (form POST with Basic auth, 201 with the call's JSON, or Twilio's error
/// JSON), recording what it was sent. Twilio itself cannot run here.
/// </summary>
internal sealed class FakeTwilioApi : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeTwilioApi(WebApplication app, string baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    public string BaseUrl { get; }
    public ConcurrentQueue<Dictionary<string, string>> Created { get; } = new();

    /// <summary>When set, create-call answers with this Twilio error code and HTTP status instead.</summary>
    public (int Code, int Status)? Refuse { get; set; }

    public static async Task<FakeTwilioApi> StartAsync()
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var fake = new FakeTwilioApi(app, $"http://127.0.0.1:{port}");
        app.MapPost("/2010-04-01/Accounts/{sid}/Calls.json", async (string sid, HttpRequest request) =>
        {
            var form = await request.ReadFormAsync();
            if (fake.Refuse is { } refuse)
            {
                return Results.Json(new { code = refuse.Code, message = "The 'To' number is not a valid phone number.", more_info = $"https://www.twilio.com/docs/errors/{refuse.Code}", status = refuse.Status }, statusCode: refuse.Status);
            }

            fake.Created.Enqueue(form.ToDictionary(f => f.Key, f => string.Join(",", f.Value.ToArray())));
            return Results.Json(new { sid = "CA" + Guid.NewGuid().ToString("n"), account_sid = sid, to = form["To"].ToString(), from = form["From"].ToString(), status = "queued", direction = "outbound-api" }, statusCode: 201);
        });
        await app.StartAsync();
        return fake;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
