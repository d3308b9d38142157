using System.Collections.Concurrent;

namespace AgentOS.Voice.Simulator.Calls;

/// <summary>What every running call shares: the account, the clock, the outgoing HTTP clients and the recordings served.</summary>
internal sealed class SimulatorContext(PhoneSimulatorOptions options, IHttpClientFactory httpClientFactory)
{
    public const string ApiVersion = "2010-04-01";
    public const string AudioClientName = "phone-sim-audio";

    public PhoneSimulatorOptions Options { get; } = options;
    /// <summary>Known once Kestrel has bound its port.</summary>
    public string BaseUrl { get; set; } = "";
    public WebhookClient Webhooks { get; } = new(httpClientFactory, options.AuthToken);
    public IHttpClientFactory HttpClientFactory { get; } = httpClientFactory;
    public ConcurrentDictionary<string, byte[]> Recordings { get; } = new(StringComparer.Ordinal);

    /// <summary>Waits a span of simulated time, scaled to real time.</summary>
    public Task DelayAsync(double simulatedSeconds, CancellationToken cancellationToken) =>
        simulatedSeconds <= 0
            ? Task.CompletedTask
            : Task.Delay(TimeSpan.FromSeconds(simulatedSeconds * Options.TimeScale), Options.TimeProvider, cancellationToken);

    /// <summary>Converts a real interval back to simulated seconds, rounded up as Twilio bills.</summary>
    public int SimulatedSeconds(TimeSpan real) => (int)Math.Ceiling(real.TotalSeconds / Options.TimeScale);

    public string RecordingUrl(string recordingSid) => $"{BaseUrl}/{ApiVersion}/Accounts/{Options.AccountSid}/Recordings/{recordingSid}";

    public static string NewSid(string prefix) => prefix + Guid.NewGuid().ToString("N");
}
