namespace AgentOS.Voice.Simulator.Rest;

/// <summary>Twilio's REST error body: {"code","message","more_info","status"}.</summary>
internal static class TwilioError
{
    public static IResult Result(int httpStatus, int code, string message) => Results.Json(
        new Dictionary<string, object>
        {
            ["code"] = code,
            ["message"] = message,
            ["more_info"] = $"https://www.twilio.com/docs/errors/{code}",
            ["status"] = httpStatus,
        },
        statusCode: httpStatus);

    public static IResult Unauthorized() => Result(401, 20003, "Authentication Error - invalid username");

    public static IResult NotFound(string what) => Result(404, 20404, $"The requested resource {what} was not found");

    public static IResult InvalidParameter(string message) => Result(400, 20001, message);
}
