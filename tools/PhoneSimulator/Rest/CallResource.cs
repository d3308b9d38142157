using System.Globalization;
using AgentOS.Voice.Simulator.Calls;

namespace AgentOS.Voice.Simulator.Rest;

/// <summary>The call resource JSON exactly as Twilio's 2010-04-01 API names it (snake_case, RFC 2822 dates).</summary>
internal static class CallResource
{
    public static Dictionary<string, object?> ToJson(SimulatedCall call)
    {
        var uri = $"/{SimulatorContext.ApiVersion}/Accounts/{call.AccountSid}/Calls/{call.Sid}";
        return new Dictionary<string, object?>
        {
            ["sid"] = call.Sid,
            ["account_sid"] = call.AccountSid,
            ["parent_call_sid"] = null,
            ["to"] = call.To,
            ["to_formatted"] = call.To,
            ["from"] = call.From,
            ["from_formatted"] = call.From,
            ["phone_number_sid"] = null,
            ["status"] = call.Status,
            ["start_time"] = Date(call.StartTime),
            ["end_time"] = Date(call.EndTime),
            ["duration"] = call.Duration?.ToString(CultureInfo.InvariantCulture),
            ["price"] = null,
            ["price_unit"] = "USD",
            ["direction"] = call.Direction,
            ["answered_by"] = call.AnsweredBy,
            ["api_version"] = SimulatorContext.ApiVersion,
            ["forwarded_from"] = null,
            ["caller_name"] = null,
            ["group_sid"] = null,
            ["queue_time"] = "0",
            ["trunk_sid"] = null,
            ["uri"] = uri + ".json",
            ["subresource_uris"] = new Dictionary<string, string>
            {
                ["notifications"] = uri + "/Notifications.json",
                ["recordings"] = uri + "/Recordings.json",
                ["events"] = uri + "/Events.json",
            },
            ["date_created"] = Date(call.DateCreated),
            ["date_updated"] = Date(call.EndTime ?? call.StartTime ?? call.DateCreated),
        };
    }

    private static string? Date(DateTimeOffset? value) =>
        value?.ToUniversalTime().ToString("ddd, dd MMM yyyy HH:mm:ss '+0000'", CultureInfo.InvariantCulture);
}
