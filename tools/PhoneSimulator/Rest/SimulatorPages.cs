using System.Text.Json;
using AgentOS.Voice.Simulator.Calls;

namespace AgentOS.Voice.Simulator.Rest;

/// <summary>The call log as JSON for people: /sim/calls (summaries) and /sim/calls/{sid} (everything).</summary>
internal static class SimulatorPages
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static void MapSimulatorPages(this WebApplication app, Switchboard switchboard)
    {
        app.MapGet("/sim/calls", () => Results.Json(
            switchboard.Calls.Select(c => new
            {
                c.Sid,
                c.Direction,
                c.From,
                c.To,
                c.Status,
                c.Duration,
                c.AnsweredBy,
                Log = c.Events.Select(e => $"{e.At:HH:mm:ss.fff} {e.Describe()}"),
            }),
            Json));

        app.MapGet("/sim/calls/{sid}", (string sid) => switchboard.Find(sid) is { } call
            ? Results.Json(call, Json)
            : Results.Json(new { error = $"No call {sid}" }, Json, statusCode: 404));
    }
}
