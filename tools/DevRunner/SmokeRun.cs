using System.Net;
using System.Text.Encodings.Web;
using System.Text.Json.Nodes;

namespace AgentOS.Voice.DevRunner;

/// <summary>
/// `./dev run --smoke`: proves the local run works end to end, the way a newcomer would try it, then stops.
/// </summary>
internal static class SmokeRun
{
    private static readonly HashSet<string> Terminal = ["completed", "busy", "no-answer", "failed", "canceled"];

    public static async Task<int> RunAsync(LocalStack stack, CancellationToken cancellationToken)
    {
        LocalStack.Step("Smoke 1/2: a caller phones the demo agent, books an appointment through its tools, says goodbye");
        var callExit = await stack.RunSimulatorAsync(
            ["call", "--webhook", stack.IncomingCallWebhook, "--to", LocalStack.AgentNumber,
             "--say", "I'd like an appointment", "--say", "Yes please", "--say", "Thanks, bye"],
            cancellationToken);
        if (callExit != 0)
        {
            Console.Error.WriteLine($"smoke: the live call failed (phone-sim exit {callExit})");
            return 1;
        }

        LocalStack.Step("Smoke 2/2: the demo agent sends a voice message to +15550000123");
        using var send = await stack.SendAsync(stack.ManagementRequest(HttpMethod.Post, $"/api/agents/{LocalStack.AgentId}/messages",
            new { to = "+15550000123", text = "Hello from the local smoke run. Your appointment is tomorrow at ten." }), cancellationToken);
        var sent = JsonNode.Parse(await send.Content.ReadAsStringAsync(cancellationToken));
        if (send.StatusCode != HttpStatusCode.Accepted || sent?["id"]?.GetValue<string>() is not { } id)
        {
            Console.Error.WriteLine($"smoke: sending the message failed: {(int)send.StatusCode} {sent}");
            return 1;
        }

        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            using var get = await stack.SendAsync(stack.ManagementRequest(HttpMethod.Get, $"/api/agents/{LocalStack.AgentId}/messages/{id}"), cancellationToken);
            var message = JsonNode.Parse(await get.Content.ReadAsStringAsync(cancellationToken));
            var state = message?["state"]?.GetValue<string>() ?? "?";
            if (Terminal.Contains(state))
            {
                LocalStack.Step($"Message {id}: {state}");
                Console.WriteLine(message?.ToJsonString(Indented));
                return state == "completed" && await PrintOutcomesAsync(stack, id, cancellationToken) ? 0 : 1;
            }

            await Task.Delay(500, cancellationToken);
        }

        Console.Error.WriteLine($"smoke: message {id} did not finish within 90 s");
        return 1;
    }

    private static readonly System.Text.Json.JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// Waits for the call's and the message's outcomes at the demo agent's webhook receiver (signatures verified) and
    /// prints what an owner gets: summary, fields, cost. The booked call must have filled the fields from its tools.
    /// </summary>
    private static async Task<bool> PrintOutcomesAsync(LocalStack stack, string messageId, CancellationToken cancellationToken)
    {
        LocalStack.Step("Waiting for both outcomes at the demo agent's webhook");
        var deadline = DateTime.UtcNow.AddSeconds(60);
        JsonNode? call = null, message = null;
        while (DateTime.UtcNow < deadline && (call is null || message is null))
        {
            call = stack.Tools.Outcomes.FirstOrDefault(o => o["type"]?.GetValue<string>() == "call.outcome");
            message = stack.Tools.Outcomes.FirstOrDefault(o => o["id"]?.GetValue<string>() == messageId);
            await Task.Delay(500, cancellationToken);
        }

        foreach (var (what, outcome) in new[] { ("call", call), ("message", message) })
        {
            if (outcome is null)
            {
                Console.Error.WriteLine($"smoke: the {what}'s outcome did not reach the webhook within 60 s");
                return false;
            }

            LocalStack.Step($"Outcome of the {what} {outcome["id"]}: {outcome["status"]}");
            Console.WriteLine(new JsonObject
            {
                ["summary"] = outcome["summary"]?.DeepClone(),
                ["fields"] = outcome["fields"]?.DeepClone(),
                ["cost"] = outcome["cost"]?.DeepClone(),
            }.ToJsonString(Indented));
        }

        if (call!["fields"]?["confirmed"]?.GetValue<bool>() != true || call["fields"]?["newTime"]?.GetValue<string>() != DemoToolServer.Slot)
        {
            Console.Error.WriteLine("smoke: the call's outcome does not show the booking its tools made");
            return false;
        }

        return true;
    }
}
