using System.Globalization;
using System.Text.Json;
using AgentOS.Voice.Storage;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentOS.Voice.Calls;

/// <summary>
/// Calls in one table ("{prefix}calls"), partitioned by call id so a call's record, its outbound context and its
/// transcript are read with one partition query: row "call", row "context", rows "turn-000001"… (a retried relay session's "turn-02-000000"…). Each agent's calls
/// are listed newest first through the index table "{prefix}callsbyagent" (<see cref="AgentTimeIndex"/>, keyed by the
/// call's start).
/// </summary>
public sealed class TableCallStore(TableServiceClient service, IOptions<StorageOptions> storage, ILogger<TableCallStore> logger) : ICallStore, ICallContextStore, ICallHistory
{
    public const string TableBaseName = "calls";
    public const string IndexTableName = "callsbyagent";
    private const string CallRow = "call";
    private const string ContextRow = "context";
    private const string TurnPrefix = "turn-";
    private const int MaxWriteTries = 5;

    private readonly LazyTableClient _table = new(service, storage.Value, TableBaseName);
    private readonly AgentTimeIndex _index = new(service, storage.Value, IndexTableName, logger);

    /// <summary>
    /// The index row first: a record whose row is missing would never be listed, while a row whose record is missing
    /// or starts at another time is skipped by <see cref="ListCallsAsync"/>. The start moves (the webhook, the relay
    /// session and Twilio's billed duration each set it), so a record can leave older rows behind; listing removes them.
    /// An ended record stays ended: a late in-progress write (a relay session's, a webhook's) keeps its counters but
    /// not its state. The write is conditional on the row read (ETag), and read again when another write came between.
    /// </summary>
    public async Task UpsertCallAsync(CallRecord call, CancellationToken cancellationToken = default)
    {
        var table = await _table.GetAsync(cancellationToken);
        for (var tries = 1; ; tries++)
        {
            var stored = await _table.FindAsync(call.CallId, CallRow, cancellationToken);
            var merged = stored is null ? call : KeepEnd(FromEntity(call.CallId, stored), call);
            await _index.UpsertAsync(merged.AgentId, merged.StartedAt, merged.CallId, merged.State.ToString(), cancellationToken);
            try
            {
                if (stored is null)
                {
                    await table.AddEntityAsync(ToEntity(merged), cancellationToken);
                }
                else
                {
                    await table.UpdateEntityAsync(ToEntity(merged), stored.ETag, TableUpdateMode.Replace, cancellationToken);
                }

                return;
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412 && tries < MaxWriteTries)
            {
                // Another writer came between the read and the write: merge with what it wrote.
            }
        }
    }


    private static CallRecord KeepEnd(CallRecord stored, CallRecord incoming) =>
        stored.State == CallState.Ended && incoming.State != CallState.Ended
            ? incoming with
            {
                State = CallState.Ended,
                EndedAt = stored.EndedAt,
                EndReason = stored.EndReason,
                HandoffData = stored.HandoffData ?? incoming.HandoffData,
                LastError = stored.LastError ?? incoming.LastError,
            }
            : incoming;

    public async Task<bool> AddCallAsync(CallRecord call, CancellationToken cancellationToken = default)
    {
        var table = await _table.GetAsync(cancellationToken);
        try
        {
            await table.AddEntityAsync(ToEntity(call), cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return false;
        }

        await _index.UpsertAsync(call.AgentId, call.StartedAt, call.CallId, call.State.ToString(), cancellationToken);
        return true;
    }

    public async Task<ListPage<CallRecord>> ListCallsAsync(string agentId, ListQuery query, CallState? state, CancellationToken cancellationToken = default)
    {
        var (keys, next) = await _index.QueryAsync(agentId, query, state?.ToString(), cancellationToken);
        var found = await Task.WhenAll(keys.Select(async key => (Key: key, Call: await GetCallAsync(AgentTimeIndex.IdOf(key), cancellationToken))));
        var calls = new List<CallRecord>(found.Length);
        foreach (var (key, call) in found)
        {
            if (call is null || call.AgentId != agentId)
            {
                // Written a moment before its record (or the record's write failed): nothing to show, nothing to tidy.
                continue;
            }

            if (AgentTimeIndex.RowKey(call.StartedAt, call.CallId) != key)
            {
                await _index.DeleteAsync(agentId, key, cancellationToken);
            }
            else if (state is null || call.State == state)
            {
                calls.Add(call);
            }
        }

        return new ListPage<CallRecord>(calls, next);
    }

    private static TableEntity ToEntity(CallRecord call) =>
        new(call.CallId, CallRow)
        {
            ["AgentId"] = call.AgentId,
            ["CallSid"] = call.CallSid,
            ["Direction"] = call.Direction,
            ["From"] = call.From,
            ["To"] = call.To,
            ["State"] = call.State.ToString(),
            ["StartedAt"] = call.StartedAt,
            ["EndedAt"] = call.EndedAt,
            ["EndReason"] = call.EndReason,
            ["HandoffData"] = call.HandoffData,
            ["LastError"] = call.LastError,
            ["DurationSeconds"] = call.Duration.TotalSeconds,
            ["TokensIn"] = call.TokensIn,
            ["TokensOut"] = call.TokensOut,
            ["CharactersSpoken"] = call.CharactersSpoken,
        };

    public async Task UpsertTurnAsync(TranscriptTurn turn, CancellationToken cancellationToken = default)
    {
        var table = await _table.GetAsync(cancellationToken);
        var e = new TableEntity(turn.CallId, TurnKey(turn.Attempt, turn.Index))
        {
            ["Index"] = turn.Index,
            ["Attempt"] = turn.Attempt,
            ["Role"] = turn.Role.ToString(),
            ["Text"] = turn.Text,
            ["Interrupted"] = turn.Interrupted,
            ["At"] = turn.At,
            ["FirstTokenMs"] = turn.FirstTokenMs,
            ["TokenCount"] = turn.TokenCount,
            ["ToolName"] = turn.ToolName,
            ["ToolMs"] = turn.ToolMs,
            ["ToolFailed"] = turn.ToolFailed,
        };
        await table.UpsertEntityAsync(e, TableUpdateMode.Replace, cancellationToken);
    }

    public async Task<CallRecord?> GetCallAsync(string callId, CancellationToken cancellationToken = default)
    {
        var e = await Find(callId, CallRow, cancellationToken);
        return e is null ? null : FromEntity(callId, e);
    }

    private static CallRecord FromEntity(string callId, TableEntity e) => new()
    {
        CallId = callId,
        AgentId = e.GetString("AgentId") ?? string.Empty,
        CallSid = e.GetString("CallSid") ?? string.Empty,
        Direction = e.GetString("Direction") ?? string.Empty,
        From = e.GetString("From") ?? string.Empty,
        To = e.GetString("To") ?? string.Empty,
        State = Enum.TryParse<CallState>(e.GetString("State"), out var state) ? state : CallState.InProgress,
        StartedAt = e.GetDateTimeOffset("StartedAt") ?? default,
        EndedAt = e.GetDateTimeOffset("EndedAt"),
        EndReason = e.GetString("EndReason"),
        HandoffData = e.GetString("HandoffData"),
        LastError = e.GetString("LastError"),
        TokensIn = e.GetInt64("TokensIn") ?? 0,
        TokensOut = e.GetInt64("TokensOut") ?? 0,
        CharactersSpoken = e.GetInt64("CharactersSpoken") ?? 0,
    };

    public async Task<IReadOnlyList<TranscriptTurn>> GetTranscriptAsync(string callId, CancellationToken cancellationToken = default)
    {
        var turns = new List<TranscriptTurn>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {callId} and RowKey ge {TurnPrefix} and RowKey lt {"turn."}");
        await foreach (var e in _table.QueryAsync(filter, cancellationToken))
        {
            turns.Add(new TranscriptTurn
            {
                CallId = callId,
                Index = e.GetInt32("Index") ?? 0,
                Attempt = e.GetInt32("Attempt") ?? 1,
                Role = Enum.Parse<TurnRole>(e.GetString("Role") ?? nameof(TurnRole.Caller)),
                Text = e.GetString("Text") ?? string.Empty,
                Interrupted = e.GetBoolean("Interrupted") ?? false,
                At = e.GetDateTimeOffset("At") ?? default,
                FirstTokenMs = e.GetDouble("FirstTokenMs"),
                TokenCount = e.GetInt32("TokenCount") ?? 0,
                ToolName = e.GetString("ToolName"),
                ToolMs = e.GetDouble("ToolMs"),
                ToolFailed = e.GetBoolean("ToolFailed") ?? false,
            });
        }

        return turns.OrderBy(t => t.Attempt).ThenBy(t => t.Index).ToList();
    }

    public async Task SaveAsync(CallContext context, CancellationToken cancellationToken = default)
    {
        var table = await _table.GetAsync(cancellationToken);
        var e = new TableEntity(context.CallId, ContextRow)
        {
            ["AgentId"] = context.AgentId,
            ["To"] = context.To,
            ["From"] = context.From,
            ["Context"] = JsonSerializer.Serialize(context.Context, CallsJson.Default.IReadOnlyDictionaryStringString),
            ["CreatedAt"] = context.CreatedAt,
        };
        await table.UpsertEntityAsync(e, TableUpdateMode.Replace, cancellationToken);
    }

    public async Task<CallContext?> GetAsync(string callId, CancellationToken cancellationToken = default)
    {
        var e = await Find(callId, ContextRow, cancellationToken);
        if (e is null)
        {
            return null;
        }

        var json = e.GetString("Context");
        return new CallContext
        {
            CallId = callId,
            AgentId = e.GetString("AgentId") ?? string.Empty,
            To = e.GetString("To") ?? string.Empty,
            From = e.GetString("From") ?? string.Empty,
            Context = string.IsNullOrEmpty(json)
                ? new Dictionary<string, string>()
                : JsonSerializer.Deserialize(json, CallsJson.Default.IReadOnlyDictionaryStringString) ?? new Dictionary<string, string>(),
            CreatedAt = e.GetDateTimeOffset("CreatedAt") ?? default,
        };
    }

    // A retried session counts from 0 again, so its turns get keys of their own ("turn-02-000000"); the first session's
    // keep the form rows had before sessions were told apart, so stored transcripts read the same.
    private static string TurnKey(int attempt, int index) => TurnPrefix
        + (attempt == 1 ? string.Empty : attempt.ToString("D2", CultureInfo.InvariantCulture) + "-")
        + index.ToString("D6", CultureInfo.InvariantCulture);

    private async Task<TableEntity?> Find(string callId, string rowKey, CancellationToken cancellationToken)
    {
        // Call ids come from URLs and Twilio parameters: refuse keys Table Storage forbids instead of failing obscurely.
        if (string.IsNullOrEmpty(callId) || callId.IndexOfAny(['/', '\\', '#', '?']) >= 0 || callId.Any(char.IsControl))
        {
            return null;
        }

        return await _table.FindAsync(callId, rowKey, cancellationToken);
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(IReadOnlyDictionary<string, string>))]
internal sealed partial class CallsJson : System.Text.Json.Serialization.JsonSerializerContext;
