namespace AgentOS.Voice.Simulator.Calls;

/// <summary>Where a call's TwiML comes from: a URL to request, or a document given inline.</summary>
public sealed record TwimlSource(string? Url, string Method, string? Twiml)
{
    public static TwimlSource FromUrl(string url, string method = "POST") => new(url, method, null);
    public static TwimlSource Inline(string twiml) => new(null, "POST", twiml);
}

/// <summary>The parameters of a create-call request that change how the call runs.</summary>
public sealed record CallRequest
{
    public required string From { get; init; }
    public required string To { get; init; }
    public required TwimlSource Source { get; init; }
    public string? StatusCallback { get; init; }
    public string StatusCallbackMethod { get; init; } = "POST";
    public IReadOnlySet<string> StatusCallbackEvents { get; init; } = new HashSet<string> { "completed" };
    public string? MachineDetection { get; init; }
    public bool AsyncAmd { get; init; }
    public string? AsyncAmdStatusCallback { get; init; }
    public string AsyncAmdStatusCallbackMethod { get; init; } = "POST";
    public int MachineDetectionTimeout { get; init; } = 30;
    public bool Record { get; init; }
    public int Timeout { get; init; } = 60;
    public int? TimeLimit { get; init; }
}
