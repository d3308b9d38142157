using System.Text.Json;

namespace AgentOS.Voice.Outcomes;

/// <summary>An agent's figures over a time range, from its outcome rows (<see cref="OutcomeStore"/>).</summary>
public sealed record AgentStats(
    string AgentId,
    DateTimeOffset From,
    DateTimeOffset To,
    int Calls,
    int Messages,
    IReadOnlyDictionary<string, int> CallsByStatus,
    IReadOnlyDictionary<string, int> MessagesByStatus,
    double? AnswerRate,
    double? AverageCallSeconds,
    double? HandoffRate,
    double? InterruptionsPerCall,
    Percentiles? FirstTokenMs,
    int ToolCalls,
    int ToolFailures,
    Percentiles? ToolLatencyMs,
    decimal CostTotal,
    string? Currency);

/// <summary>Computes <see cref="AgentStats"/>; the query behind <c>GET /api/agents/{agentId}/stats?from=&amp;to=</c>.</summary>
public sealed class AgentStatsQuery(OutcomeStore store)
{
    /// <summary>Answered means a person or machine picked up: a completed message, or any live call (it had a socket).</summary>
    public async Task<AgentStats> RunAsync(string agentId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        var calls = new Dictionary<string, int>(StringComparer.Ordinal);
        var messages = new Dictionary<string, int>(StringComparer.Ordinal);
        var firstTokens = new List<double>();
        var toolMs = new List<double>();
        int callCount = 0, messageCount = 0, answeredMessages = 0, handoffs = 0, interruptions = 0, toolCalls = 0, toolFailures = 0;
        double callSeconds = 0;
        decimal cost = 0;
        string? currency = null;
        await foreach (var row in store.QueryAsync(agentId, from, to, cancellationToken))
        {
            var status = row.GetString("Status") ?? "unknown";
            cost += (decimal)(row.GetDouble("CostTotal") ?? 0);
            currency ??= row.GetString("Currency");
            if (row.GetString("Kind") == CallOutcome.MessageKind)
            {
                messageCount++;
                messages[status] = messages.GetValueOrDefault(status) + 1;
                answeredMessages += status == "completed" ? 1 : 0;
                continue;
            }

            callCount++;
            calls[status] = calls.GetValueOrDefault(status) + 1;
            callSeconds += row.GetDouble("DurationSeconds") ?? 0;
            handoffs += row.GetBoolean("HandedOff") == true ? 1 : 0;
            interruptions += row.GetInt32("Interruptions") ?? 0;
            toolCalls += row.GetInt32("ToolCalls") ?? 0;
            toolFailures += row.GetInt32("ToolFailures") ?? 0;
            firstTokens.AddRange(Samples(row.GetString("FirstTokenMs")));
            toolMs.AddRange(Samples(row.GetString("ToolMs")));
        }

        var total = callCount + messageCount;
        return new AgentStats(
            agentId, from, to, callCount, messageCount, calls, messages,
            total == 0 ? null : (double)(callCount + answeredMessages) / total,
            callCount == 0 ? null : callSeconds / callCount,
            callCount == 0 ? null : (double)handoffs / callCount,
            callCount == 0 ? null : (double)interruptions / callCount,
            Percentiles.Of(firstTokens), toolCalls, toolFailures, Percentiles.Of(toolMs), cost, currency);
    }

    private static List<double> Samples(string? json) =>
        string.IsNullOrEmpty(json) ? [] : JsonSerializer.Deserialize(json, OutcomeJson.Default.ListDouble) ?? [];
}
