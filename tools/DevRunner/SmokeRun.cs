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
        LocalStack.Step("Smoke 1/2: a caller phones the demo agent, asks for the opening hours, says goodbye");
        var callExit = await stack.RunSimulatorAsync(
            ["call", "--webhook", stack.IncomingCallWebhook, "--to", LocalStack.AgentNumber, "--say", "What are your opening hours?", "--say", "Thanks, bye"],
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
                Console.WriteLine(message?.ToJsonString(new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
                return state == "completed" ? 0 : 1;
            }

            await Task.Delay(500, cancellationToken);
        }

        Console.Error.WriteLine($"smoke: message {id} did not finish within 90 s");
        return 1;
    }
}
