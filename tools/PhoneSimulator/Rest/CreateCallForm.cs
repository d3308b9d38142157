using System.Globalization;
using System.Text.RegularExpressions;
using AgentOS.Voice.Simulator.Calls;

namespace AgentOS.Voice.Simulator.Rest;

/// <summary>Reads and validates a create-call form the way Twilio does, with Twilio's error codes.</summary>
internal static partial class CreateCallForm
{
    private const int MaxTwimlLength = 4000;
    private static readonly HashSet<string> KnownEvents = ["initiated", "ringing", "answered", "completed"];

    [GeneratedRegex(@"^\+[1-9][0-9]{1,14}$")]
    private static partial Regex E164();

    public static bool IsE164(string? number) => number is not null && E164().IsMatch(number);

    public static (CallRequest? Request, IResult? Error) Parse(IFormCollection form)
    {
        var to = Value(form, "To");
        var from = Value(form, "From");
        if (string.IsNullOrEmpty(to))
        {
            return Fail(400, 21201, "No 'To' number is specified");
        }

        if (!IsE164(to) || to == from)
        {
            return Fail(400, 21211, $"Invalid 'To' Phone Number: {to}");
        }

        if (string.IsNullOrEmpty(from))
        {
            return Fail(400, 21213, "No 'From' number is specified");
        }

        if (!IsE164(from))
        {
            return Fail(400, 21212, $"Invalid 'From' Phone Number: {from}");
        }

        var url = Value(form, "Url");
        var twiml = Value(form, "Twiml");
        if (string.IsNullOrEmpty(url) == string.IsNullOrEmpty(twiml))
        {
            return Fail(400, 21205, "Exactly one of Url and Twiml is required");
        }

        if (twiml is { Length: > MaxTwimlLength })
        {
            return Fail(400, 21205, $"Twiml is {twiml.Length} characters; the limit is {MaxTwimlLength}");
        }

        foreach (var name in new[] { "Url", "StatusCallback", "AsyncAmdStatusCallback" })
        {
            if (Value(form, name) is { Length: > 0 } value && !IsHttpUrl(value))
            {
                return Fail(400, 21205, $"{name} '{value}' is not a valid http(s) URL");
            }
        }

        var methods = new Dictionary<string, string>();
        foreach (var name in new[] { "Method", "StatusCallbackMethod", "AsyncAmdStatusCallbackMethod" })
        {
            var method = (Value(form, name) ?? "POST").ToUpperInvariant();
            if (method is not ("GET" or "POST"))
            {
                return Fail(400, 20001, $"{name} must be GET or POST, not '{method}'");
            }

            methods[name] = method;
        }

        var events = form["StatusCallbackEvent"]
            .SelectMany(v => (v ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .ToHashSet(StringComparer.Ordinal);
        if (events.FirstOrDefault(e => !KnownEvents.Contains(e)) is { } unknown)
        {
            return Fail(400, 20001, $"StatusCallbackEvent '{unknown}' is not one of initiated, ringing, answered, completed");
        }

        var machineDetection = Value(form, "MachineDetection");
        if (machineDetection is not (null or "Enable" or "DetectMessageEnd"))
        {
            return Fail(400, 20001, $"MachineDetection must be Enable or DetectMessageEnd, not '{machineDetection}'");
        }

        if (!TryInt(form, "Timeout", 60, 1, 600, out var timeout, out var error) ||
            !TryInt(form, "MachineDetectionTimeout", 30, 3, 59, out var amdTimeout, out error) ||
            !TryInt(form, "TimeLimit", 14400, 1, 86400, out var timeLimit, out error) ||
            !TryBool(form, "Record", out var record, out error) ||
            !TryBool(form, "AsyncAmd", out var asyncAmd, out error))
        {
            return (null, error);
        }

        var request = new CallRequest
        {
            To = to,
            From = from,
            Source = twiml is { Length: > 0 } ? TwimlSource.Inline(twiml) : TwimlSource.FromUrl(url!, methods["Method"]),
            StatusCallback = Value(form, "StatusCallback"),
            StatusCallbackMethod = methods["StatusCallbackMethod"],
            StatusCallbackEvents = events.Count == 0 ? new HashSet<string> { "completed" } : events,
            MachineDetection = machineDetection,
            AsyncAmd = asyncAmd,
            AsyncAmdStatusCallback = Value(form, "AsyncAmdStatusCallback"),
            AsyncAmdStatusCallbackMethod = methods["AsyncAmdStatusCallbackMethod"],
            MachineDetectionTimeout = amdTimeout,
            Record = record,
            Timeout = timeout,
            TimeLimit = form.ContainsKey("TimeLimit") ? timeLimit : null,
        };
        return (request, null);
    }

    public static bool IsHttpUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https";

    private static string? Value(IFormCollection form, string name) => form.TryGetValue(name, out var v) ? v.ToString() : null;

    private static (CallRequest?, IResult?) Fail(int status, int code, string message) => (null, TwilioError.Result(status, code, message));

    private static bool TryInt(IFormCollection form, string name, int fallback, int min, int max, out int value, out IResult? error)
    {
        error = null;
        value = fallback;
        if (Value(form, name) is not { Length: > 0 } text)
        {
            return true;
        }

        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value) && value >= min && value <= max)
        {
            return true;
        }

        error = TwilioError.InvalidParameter($"{name} must be a whole number from {min} to {max}, not '{text}'");
        return false;
    }

    private static bool TryBool(IFormCollection form, string name, out bool value, out IResult? error)
    {
        error = null;
        value = false;
        if (Value(form, name) is not { Length: > 0 } text || bool.TryParse(text, out value))
        {
            return true;
        }

        error = TwilioError.InvalidParameter($"{name} must be true or false, not '{text}'");
        return false;
    }
}
