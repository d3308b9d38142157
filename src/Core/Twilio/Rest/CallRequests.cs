namespace AgentOS.Voice.Twilio.Rest;

/// <summary>Call progress events a status callback can ask for (Twilio sends only completed by default).</summary>
public enum CallProgressEvent
{
    Initiated,
    Ringing,
    Answered,
    Completed,
}

public enum MachineDetection
{
    /// <summary>Report human or machine as soon as Twilio knows.</summary>
    Enable,

    /// <summary>Wait for the greeting's beep or silence, so a message lands after it.</summary>
    DetectMessageEnd,
}

/// <summary>Parameters of Twilio's create-call request. Exactly one of <see cref="Url"/> and <see cref="Twiml"/>.</summary>
public sealed record CreateCallRequest
{
    /// <summary>Twilio rejects longer inline TwiML; serve it from a URL instead.</summary>
    public const int MaxTwimlLength = 4000;

    public required string To { get; init; }
    public required string From { get; init; }

    /// <summary>Where Twilio fetches TwiML when the call is answered.</summary>
    public string? Url { get; init; }

    /// <summary>Inline TwiML (at most <see cref="MaxTwimlLength"/> characters).</summary>
    public string? Twiml { get; init; }

    public HttpMethod? Method { get; init; }
    public string? StatusCallback { get; init; }
    public IReadOnlyList<CallProgressEvent> StatusCallbackEvents { get; init; } = [];
    public HttpMethod? StatusCallbackMethod { get; init; }
    public MachineDetection? MachineDetection { get; init; }

    /// <summary>Seconds Twilio may take to decide human or machine.</summary>
    public int? MachineDetectionTimeout { get; init; }

    /// <summary>Let the call proceed while detection runs; the answer arrives at <see cref="AsyncAmdStatusCallback"/>.</summary>
    public bool AsyncAmd { get; init; }

    public string? AsyncAmdStatusCallback { get; init; }
    public HttpMethod? AsyncAmdStatusCallbackMethod { get; init; }
    public bool? Record { get; init; }
    public string? RecordingStatusCallback { get; init; }

    /// <summary>Seconds to let the phone ring.</summary>
    public int? Timeout { get; init; }

    /// <summary>Longest call in seconds.</summary>
    public int? TimeLimit { get; init; }

    public string? CallerId { get; init; }
    public string? SendDigits { get; init; }

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(To) || string.IsNullOrWhiteSpace(From))
        {
            throw new ArgumentException("A call needs both To and From.", nameof(To));
        }

        if ((Url is null) == (Twiml is null))
        {
            throw new ArgumentException("A call needs exactly one of Url and Twiml.", nameof(Url));
        }

        if (Twiml is { Length: > MaxTwimlLength })
        {
            throw new ArgumentException(
                $"Inline TwiML is {Twiml.Length} characters; Twilio accepts at most {MaxTwimlLength}. Serve it from a Url instead.",
                nameof(Twiml));
        }

        CallbackUrl(Url, nameof(Url));
        CallbackUrl(StatusCallback, nameof(StatusCallback));
        CallbackUrl(AsyncAmdStatusCallback, nameof(AsyncAmdStatusCallback));
        CallbackUrl(RecordingStatusCallback, nameof(RecordingStatusCallback));

        if (AsyncAmd && MachineDetection is null)
        {
            throw new ArgumentException("AsyncAmd needs MachineDetection.", nameof(AsyncAmd));
        }
    }

    // Twilio needs absolute URLs it can reach; a relative one would only fail later, on the phone.
    internal static void CallbackUrl(string? url, string name)
    {
        if (url is not null && !(Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http"))
        {
            throw new ArgumentException($"{name} must be an absolute http(s) URL, not '{url}'.", name);
        }
    }

    internal IEnumerable<KeyValuePair<string, string>> ToForm()
    {
        var form = new FormFields()
            .Add("To", To)
            .Add("From", From)
            .Add("Url", Url)
            .Add("Twiml", Twiml)
            .Add("Method", Method?.Method)
            .Add("StatusCallback", StatusCallback);
        foreach (var e in StatusCallbackEvents)
        {
            form.Add("StatusCallbackEvent", e.ToString().ToLowerInvariant());
        }

        return form
            .Add("StatusCallbackMethod", StatusCallbackMethod?.Method)
            .Add("MachineDetection", MachineDetection?.ToString())
            .Add("MachineDetectionTimeout", MachineDetectionTimeout)
            .Add("AsyncAmd", AsyncAmd ? "true" : null)
            .Add("AsyncAmdStatusCallback", AsyncAmdStatusCallback)
            .Add("AsyncAmdStatusCallbackMethod", AsyncAmdStatusCallbackMethod?.Method)
            .Add("Record", Record is null ? null : Record.Value ? "true" : "false")
            .Add("RecordingStatusCallback", RecordingStatusCallback)
            .Add("Timeout", Timeout)
            .Add("TimeLimit", TimeLimit)
            .Add("CallerId", CallerId)
            .Add("SendDigits", SendDigits);
    }
}

public enum CallEndStatus
{
    /// <summary>Hang up a call that is in progress.</summary>
    Completed,

    /// <summary>Cancel a call that is queued or ringing.</summary>
    Canceled,
}

/// <summary>Changes a live call: new TwiML, a new TwiML URL, or an end. Exactly one of the three.</summary>
public sealed record UpdateCallRequest
{
    public string? Twiml { get; init; }
    public string? Url { get; init; }
    public HttpMethod? Method { get; init; }
    public CallEndStatus? Status { get; init; }

    public static UpdateCallRequest WithTwiml(string twiml) => new() { Twiml = twiml };

    public static UpdateCallRequest End(CallEndStatus status = CallEndStatus.Completed) => new() { Status = status };

    internal void Validate()
    {
        var set = (Twiml is null ? 0 : 1) + (Url is null ? 0 : 1) + (Status is null ? 0 : 1);
        if (set != 1)
        {
            throw new ArgumentException("A call update needs exactly one of Twiml, Url and Status.", nameof(Twiml));
        }

        if (Twiml is { Length: > CreateCallRequest.MaxTwimlLength })
        {
            throw new ArgumentException(
                $"Inline TwiML is {Twiml.Length} characters; Twilio accepts at most {CreateCallRequest.MaxTwimlLength}.", nameof(Twiml));
        }

        CreateCallRequest.CallbackUrl(Url, nameof(Url));
    }

    internal IEnumerable<KeyValuePair<string, string>> ToForm() => new FormFields()
        .Add("Twiml", Twiml)
        .Add("Url", Url)
        .Add("Method", Method?.Method)
        .Add("Status", Status?.ToString().ToLowerInvariant());
}

/// <summary>Form fields in order, skipping unset values; names may repeat.</summary>
internal sealed class FormFields : List<KeyValuePair<string, string>>
{
    public FormFields Add(string name, string? value)
    {
        if (value is not null)
        {
            base.Add(new(name, value));
        }

        return this;
    }

    public FormFields Add(string name, int? value) =>
        Add(name, value?.ToString(System.Globalization.CultureInfo.InvariantCulture));
}
