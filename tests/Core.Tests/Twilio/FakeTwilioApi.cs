using AgentOS.Voice.TestSupport;
using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AgentOS.Voice.Core.Tests.Twilio;

/// <summary>
/// Twilio's Calls REST routes on Kestrel at 127.0.0.1, following Twilio's documented shapes: Basic auth (401 with
/// error 20003 otherwise), form-encoded bodies, 201 snake_case JSON for a new call, error JSON with code/message/more_info/status.
/// Tests queue the answers they want; by default every call request succeeds.
/// </summary>
internal sealed class FakeTwilioApi : IAsyncDisposable
{
    // Obvious dummies in Twilio's shapes (AC/CA + 32 hex): nothing here could be mistaken for a real account's secret.
    public const string AccountSid = "AC00000000000000000000000000000001";
    public const string AuthToken = "dummy-auth-token-for-tests-only";
    public const string CallSid = "CA00000000000000000000000000000001";

    private readonly WebApplication _app;

    public sealed record Recorded(string Method, string Path, string? Authorization, IReadOnlyList<KeyValuePair<string, string>> Form);

    public ConcurrentQueue<Recorded> Requests { get; } = new();

    /// <summary>Answers to give, in order, before falling back to success.</summary>
    public ConcurrentQueue<(int Status, string ContentType, string Body)> Answers { get; } = new();

    /// <summary>The credentials a request must carry (user:password).</summary>
    public string ExpectedCredentials { get; set; } = $"{AccountSid}:{AuthToken}";

    private FakeTwilioApi(WebApplication app) => _app = app;

    public string BaseUrl => _app.BaseUrl();

    public static async Task<FakeTwilioApi> StartAsync()
    {
        FakeTwilioApi? fake = null;
        var app = await LoopbackApp.StartAsync(a =>
        {
            a.MapPost("/2010-04-01/Accounts/{account}/Calls.json", (HttpContext c, string account) => fake!.Handle(c, account, null));
            a.MapMethods("/2010-04-01/Accounts/{account}/Calls/{sid}.json", ["GET", "POST"],
                (HttpContext c, string account, string sid) => fake!.Handle(c, account, sid));
        });
        return fake = new FakeTwilioApi(app);
    }

    public static string Error(int code, string message, int status) =>
        $$"""{"code":{{code}},"message":"{{message}}","more_info":"https://www.twilio.com/docs/errors/{{code}}","status":{{status}}}""";

    public static string Call(string sid, string status) => $$"""
        {"account_sid":"{{AccountSid}}","annotation":null,"answered_by":null,"api_version":"2010-04-01","caller_name":null,
         "date_created":"Tue, 24 Nov 2026 10:00:00 +0000","date_updated":"Tue, 24 Nov 2026 10:00:01 +0000","direction":"outbound-api",
         "duration":"42","end_time":null,"forwarded_from":null,"from":"+15005550006","from_formatted":"(500) 555-0006",
         "group_sid":null,"parent_call_sid":null,"phone_number_sid":null,"price":null,"price_unit":"USD","sid":"{{sid}}",
         "start_time":"Tue, 24 Nov 2026 10:00:02 +0000","status":"{{status}}","subresource_uris":{},"to":"+14155552671",
         "to_formatted":"(415) 555-2671","trunk_sid":null,"uri":"/2010-04-01/Accounts/{{AccountSid}}/Calls/{{sid}}.json","queue_time":"0"}
        """;

    private async Task<IResult> Handle(HttpContext context, string account, string? sid)
    {
        var request = context.Request;
        var form = request.HasFormContentType
            ? (await request.ReadFormAsync()).SelectMany(f => f.Value.Select(v => new KeyValuePair<string, string>(f.Key, v ?? ""))).ToList()
            : [];
        var authorization = request.Headers.Authorization.ToString();
        Requests.Enqueue(new Recorded(request.Method, request.Path, authorization, form));

        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(ExpectedCredentials));
        if (authorization != expected || account != AccountSid)
        {
            return Results.Content(Error(20003, "Authenticate", 401), "application/json", statusCode: 401);
        }

        if (Answers.TryDequeue(out var answer))
        {
            return Results.Content(answer.Body, answer.ContentType, statusCode: answer.Status);
        }

        return sid is null
            ? Results.Content(Call(CallSid, "queued"), "application/json", statusCode: 201)
            : Results.Content(Call(sid, request.Method == "GET" ? "in-progress" : "completed"), "application/json", statusCode: 200);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
