using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using AgentOS.Voice.Simulator.Calls;

namespace AgentOS.Voice.Simulator.Rest;

/// <summary>The slice of Twilio's 2010-04-01 REST API that the app uses: create, update and fetch calls; fetch recordings.</summary>
internal static class TwilioRestApi
{
    public static void MapTwilioRest(this WebApplication app, Switchboard switchboard)
    {
        var options = switchboard.Context.Options;
        var account = app.MapGroup("/2010-04-01/Accounts/{accountSid}");
        account.AddEndpointFilter((context, next) => options.RestFailureStatus is { } status
            ? ValueTask.FromResult<object?>(TwilioError.Result(status, 20000 + status, "Service is unavailable, please try again (simulated incident)"))
            : next(context));

        account.MapPost("/Calls.json", async (string accountSid, HttpRequest request) =>
        {
            if (Authorize(request, accountSid, options) is { } denied)
            {
                return denied;
            }

            if (!request.HasFormContentType)
            {
                return TwilioError.InvalidParameter("The request body must be application/x-www-form-urlencoded");
            }

            var (callRequest, error) = CreateCallForm.Parse(await request.ReadFormAsync());
            if (error is not null)
            {
                return error;
            }

            return Results.Json(switchboard.PlaceOutbound(callRequest!, CallResource.ToJson), statusCode: 201);
        });

        account.MapPost("/Calls/{callSid}.json", async (string accountSid, string callSid, HttpRequest request) =>
        {
            if (Authorize(request, accountSid, options) is { } denied)
            {
                return denied;
            }

            if (switchboard.Find(callSid) is not { } call)
            {
                return TwilioError.NotFound($"/2010-04-01/Accounts/{accountSid}/Calls/{callSid}.json");
            }

            var form = request.HasFormContentType ? await request.ReadFormAsync() : FormCollection.Empty;
            return Update(call, form);
        });

        account.MapGet("/Calls/{callSid}.json", (string accountSid, string callSid, HttpRequest request) =>
        {
            if (Authorize(request, accountSid, options) is { } denied)
            {
                return denied;
            }

            return switchboard.Find(callSid) is { } call
                ? Results.Json(CallResource.ToJson(call))
                : TwilioError.NotFound($"/2010-04-01/Accounts/{accountSid}/Calls/{callSid}.json");
        });

        // Recording media is public by default on Twilio (no auth); the URL without an extension is a WAV.
        account.MapGet("/Recordings/{recording}", (string recording) =>
        {
            var sid = recording.EndsWith(".wav", StringComparison.OrdinalIgnoreCase) ? recording[..^4] : recording;
            return switchboard.Context.Recordings.TryGetValue(sid, out var wav)
                ? Results.Bytes(wav, "audio/x-wav")
                : TwilioError.NotFound($"Recording {recording}");
        });
    }

    private static IResult Update(SimulatedCall call, IFormCollection form)
    {
        var twiml = form["Twiml"].ToString();
        var url = form["Url"].ToString();
        var status = form["Status"].ToString();
        var given = new[] { twiml, url, status }.Count(v => v.Length > 0);
        if (given != 1)
        {
            return TwilioError.InvalidParameter("Give exactly one of Twiml, Url or Status");
        }

        if (call.IsFinished)
        {
            return TwilioError.Result(400, 21220, $"Call is not in-progress ({call.Status}). Cannot redirect.");
        }

        if (status.Length > 0)
        {
            if (status is not ("completed" or "canceled"))
            {
                return TwilioError.InvalidParameter($"Status must be completed or canceled, not '{status}'");
            }

            // Twilio ignores canceled for a call that has already been answered.
            if (status == "completed" || call.StartTime is null)
            {
                call.HangUp.Cancel();
            }

            return Results.Json(CallResource.ToJson(call));
        }

        if (url.Length > 0 && !CreateCallForm.IsHttpUrl(url))
        {
            return TwilioError.Result(400, 21205, $"Url '{url}' is not a valid http(s) URL");
        }

        var method = form["Method"].ToString() is { Length: > 0 } m ? m.ToUpperInvariant() : "POST";
        if (method is not ("GET" or "POST"))
        {
            return TwilioError.InvalidParameter($"Method must be GET or POST, not '{method}'");
        }

        call.Redirect(twiml.Length > 0 ? TwimlSource.Inline(twiml) : TwimlSource.FromUrl(url, method));
        return Results.Json(CallResource.ToJson(call));
    }

    private static IResult? Authorize(HttpRequest request, string accountSid, PhoneSimulatorOptions options)
    {
        if (!AuthenticationHeaderValue.TryParse(request.Headers.Authorization, out var header) ||
            !string.Equals(header.Scheme, "Basic", StringComparison.OrdinalIgnoreCase) || header.Parameter is null)
        {
            return TwilioError.Unauthorized();
        }

        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header.Parameter));
        }
        catch (FormatException)
        {
            return TwilioError.Unauthorized();
        }

        var colon = decoded.IndexOf(':');
        var (user, password) = colon < 0 ? (decoded, "") : (decoded[..colon], decoded[(colon + 1)..]);
        var valid = (Same(user, options.AccountSid) && Same(password, options.AuthToken)) ||
                    (options.ApiKeySid is not null && Same(user, options.ApiKeySid) && Same(password, options.ApiKeySecret!));
        if (!valid)
        {
            return TwilioError.Unauthorized();
        }

        return accountSid == options.AccountSid ? null : TwilioError.NotFound($"/2010-04-01/Accounts/{accountSid}");
    }

    private static bool Same(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));
}
