using System.Globalization;
using AgentOS.Voice.Storage;

namespace AgentOS.Voice.Functions.ManagementApi;

/// <summary>
/// Reads a list endpoint's query string: <c>limit</c> (1–100, default 20), <c>continuationToken</c> (from the previous
/// page), <c>from</c> and <c>to</c> (ISO 8601; from inclusive, to exclusive) and <c>state</c>. Anything else, a repeated
/// parameter or a value that does not read is an error named by its parameter, so a typo is a 400, not a silently
/// unfiltered list.
/// </summary>
public static class ListQueryReader
{
    public const string Limit = "limit";
    public const string ContinuationToken = "continuationToken";
    public const string From = "from";
    public const string To = "to";
    public const string State = "state";

    private static readonly string[] Known = [Limit, ContinuationToken, From, To, State];

    /// <summary>The query and the state filter (as <paramref name="readState"/> read it), or the errors by parameter.</summary>
    public static (ListQuery? Query, TState? State, Dictionary<string, string[]> Errors) Read<TState>(
        IQueryCollection query, string stateValues, Func<string, TState?> readState)
        where TState : struct
    {
        var errors = new Dictionary<string, string[]>();
        foreach (var (name, values) in query)
        {
            if (!Known.Contains(name, StringComparer.Ordinal))
            {
                errors[name] = [$"Unknown parameter; the list takes {string.Join(", ", Known)}."];
            }
            else if (values.Count > 1)
            {
                errors[name] = ["Give this parameter once."];
            }
        }

        var limit = ListQuery.DefaultLimit;
        if (Single(query, Limit) is { } limitText
            && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > ListQuery.MaxLimit))
        {
            errors[Limit] = [$"limit is a whole number from 1 to {ListQuery.MaxLimit}."];
        }

        string? after = null;
        if (Single(query, ContinuationToken) is { } token && !AgentTimeIndex.TryReadToken(token, out after))
        {
            errors[ContinuationToken] = ["Not a continuation token this list gave out; pass the previous page's continuationToken as it was."];
        }

        var from = ReadTime(query, From, errors);
        var to = ReadTime(query, To, errors);
        if (from is not null && to is not null && from >= to)
        {
            errors[To] = ["to must be later than from."];
        }

        TState? state = null;
        if (Single(query, State) is { } stateText && (state = readState(stateText)) is null)
        {
            errors[State] = [$"state is one of {stateValues}."];
        }

        return errors.Count > 0 ? (null, null, errors) : (new ListQuery(limit, after, from, to), state, errors);
    }

    private static DateTimeOffset? ReadTime(IQueryCollection query, string name, Dictionary<string, string[]> errors)
    {
        if (Single(query, name) is not { } text)
        {
            return null;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            return at;
        }

        errors[name] = [$"{name} is a time in ISO 8601, e.g. 2026-12-02T13:00:00Z."];
        return null;
    }

    private static string? Single(IQueryCollection query, string name) =>
        query.TryGetValue(name, out var values) && values.Count == 1 ? values[0] : null;
}
