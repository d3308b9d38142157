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
public sealed partial class TableCallStore(TableServiceClient service, IOptions<StorageOptions> storage, ILogger<TableCallStore> logger) : ICallStore, ICallContextStore, ICallHistory
{
    public const string TableBaseName = "calls";
    public const string IndexTableName = "callsbyagent";
    private const string CallRow = "call";
    private const string ContextRow = "context";
    private const string TurnPrefix = "turn-";
    private const int MaxWriteTries = 5;
    internal const int MaxTextPartLength = 32_000;
    internal const int MaxTextParts = 15;

    // Which relay session wrote the record's end (0: Twilio's webhooks or the API): a later session may reopen it.
    private const string EndAttemptColumn = "EndAttempt";

    private readonly LazyTableClient _table = new(service, storage.Value, TableBaseName);
    private readonly AgentTimeIndex _index = new(service, storage.Value, IndexTableName, logger);

    /// <summary>
    /// The index row first: a record whose row is missing would never be listed, while a row whose record is missing
    /// or starts at another time is skipped by <see cref="ListCallsAsync"/>. The start moves (the webhook, the relay
    /// session and Twilio's billed duration each set it), so a record can leave older rows behind; listing removes them.
    /// The write merges with the stored row field by field (<see cref="CallRecordMerge"/>), conditional on the row
    /// read (ETag), and is read again when another write came between.
    /// </summary>
    public async Task UpsertCallAsync(CallRecord call, CancellationToken cancellationToken = default)
    {
        var table = await _table.GetAsync(cancellationToken);
        for (var tries = 1; ; tries++)
        {
            var stored = await _table.FindAsync(call.CallId, CallRow, cancellationToken);
            var (merged, endAttempt) = stored is null
                ? (call, call.State == CallState.Ended ? call.Attempt : 0)
                : CallRecordMerge.Merge(FromEntity(call.CallId, stored), stored.GetInt32(EndAttemptColumn) ?? 0, call);
            await _index.UpsertAsync(merged.AgentId, merged.StartedAt, merged.CallId, merged.State.ToString(), cancellationToken);
            var entity = ToEntity(merged, stored, call);
            entity[EndAttemptColumn] = endAttempt;
            try
            {
                if (stored is null)
                {
                    await table.AddEntityAsync(entity, cancellationToken);
                }
                else
                {
                    await table.UpdateEntityAsync(entity, stored.ETag, TableUpdateMode.Replace, cancellationToken);
                }

                return;
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412 && tries < MaxWriteTries)
            {
                // Another writer came between the read and the write: merge with what it wrote.
            }
        }
    }

    public async Task<bool> AddCallAsync(CallRecord call, CancellationToken cancellationToken = default)
    {
        var table = await _table.GetAsync(cancellationToken);
        try
        {
            var entity = ToEntity(call, stored: null, counters: call);
            entity[EndAttemptColumn] = call.State == CallState.Ended ? call.Attempt : 0;
            await table.AddEntityAsync(entity, cancellationToken);
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

    /// <summary>
    /// The row for <paramref name="call"/>: what <paramref name="stored"/> holds (other sessions' counters, columns
    /// this version does not know) with the record's fields over it, and the counters of the session that wrote
    /// <paramref name="counters"/>, never lower than stored. Written whole
    /// (a Merge-mode write could not clear a reopened record's end), so nothing stored is dropped by accident.
    /// </summary>
    private static TableEntity ToEntity(CallRecord call, TableEntity? stored, CallRecord counters)
    {
        var entity = new TableEntity(call.CallId, CallRow);
        foreach (var (key, value) in stored ?? [])
        {
            if (!key.StartsWith("odata.", StringComparison.Ordinal) && key is not ("PartitionKey" or "RowKey" or "Timestamp"))
            {
                entity[key] = value;
            }
        }

        var fields = new Dictionary<string, object?>
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
            ["Billed"] = call.Billed,
        };
        foreach (var (key, value) in fields)
        {
            if (value is null)
            {
                entity.Remove(key);
            }
            else
            {
                entity[key] = value;
            }
        }

        // A write that is not a session's changes no counter of a stored row (it carries the totals it read), but a
        // new row's counters are its own: they count as the first session's.
        var attempt = counters.Attempt > 0 ? counters.Attempt : stored is null ? 1 : 0;
        if (attempt > 0)
        {
            foreach (var (name, value) in Counters(counters))
            {
                var column = CounterColumn(name, attempt);
                entity[column] = Math.Max(value, stored?.GetInt64(column) ?? 0);
            }
        }

        return entity;
    }

    private static (string Name, long Value)[] Counters(CallRecord call) =>
        [("TokensIn", call.TokensIn), ("TokensOut", call.TokensOut), ("CharactersSpoken", call.CharactersSpoken)];

    // Session 1's counters keep the columns records had before sessions were told apart; a retried session's are
    // "TokensIn02"…, so a second session counting from 0 never lowers the first's. Reads add them up.
    private static string CounterColumn(string name, int attempt) =>
        attempt <= 1 ? name : name + attempt.ToString("D2", CultureInfo.InvariantCulture);

    private static long SumCounter(TableEntity e, string name) =>
        e.Where(p => p.Key.StartsWith(name, StringComparison.Ordinal) && p.Key.Skip(name.Length).All(char.IsAsciiDigit))
            .Sum(p => p.Value is long or int ? Convert.ToInt64(p.Value, CultureInfo.InvariantCulture) : 0);

    public async Task UpsertTurnAsync(TranscriptTurn turn, CancellationToken cancellationToken = default)
    {
        var table = await _table.GetAsync(cancellationToken);
        var e = new TableEntity(turn.CallId, TurnKey(turn.Attempt, turn.Index))
        {
            ["Index"] = turn.Index,
            ["Attempt"] = turn.Attempt,
            ["Role"] = turn.Role.ToString(),
            ["Interrupted"] = turn.Interrupted,
            ["At"] = turn.At,
            ["FirstTokenMs"] = turn.FirstTokenMs,
            ["TokenCount"] = turn.TokenCount,
            ["ToolName"] = turn.ToolName,
            ["ToolMs"] = turn.ToolMs,
            ["ToolFailed"] = turn.ToolFailed,
        };
        WriteText(e, turn.Text);
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
        Billed = e.GetBoolean("Billed") ?? false,
        TokensIn = SumCounter(e, "TokensIn"),
        TokensOut = SumCounter(e, "TokensOut"),
        CharactersSpoken = SumCounter(e, "CharactersSpoken"),
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
                Text = ReadText(e),
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

    /// <summary>
    /// A string property holds at most 32K UTF-16 characters (64 KiB; a longer one fails the whole write with
    /// PropertyValueTooLarge), so longer text goes in parts: "Text", "Text2", "Text3"…, each cut between characters,
    /// never inside a surrogate pair. A row holds at most 1 MiB, which bounds the parts; past them the text is cut with
    /// a note saying how long it was (no spoken or typed turn comes near half a million characters).
    /// </summary>
    private static void WriteText(TableEntity e, string text)
    {
        var part = 1;
        var at = 0;
        while (part == 1 || at < text.Length)
        {
            if (part > MaxTextParts)
            {
                var note = $" [… cut here: the whole text had {text.Length} characters]";
                var last = TextColumn(MaxTextParts);
                var kept = (string)e[last];
                var keep = Math.Min(kept.Length, MaxTextPartLength - note.Length);
                e[last] = kept[..(char.IsHighSurrogate(kept[keep - 1]) ? keep - 1 : keep)] + note;
                break;
            }

            var length = Math.Min(MaxTextPartLength, text.Length - at);
            if (length > 0 && at + length < text.Length && char.IsHighSurrogate(text[at + length - 1]))
            {
                length--;
            }

            e[TextColumn(part++)] = text.Substring(at, length);
            at += length;
        }
    }

    private static string ReadText(TableEntity e)
    {
        var text = e.GetString("Text") ?? string.Empty;
        for (var part = 2; e.GetString(TextColumn(part)) is { } more; part++)
        {
            text += more;
        }

        return text;
    }

    private static string TextColumn(int part) => part == 1 ? "Text" : "Text" + part.ToString(CultureInfo.InvariantCulture);

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
