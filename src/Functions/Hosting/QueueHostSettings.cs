using System.Globalization;
using System.Text.Json;

namespace AgentOS.Voice.Functions.Hosting;

/// <summary>
/// host.json's <c>extensions.queues</c>: how the Functions host polls and retries queue triggers. Read from the host.json
/// beside the app, the same file the host reads, so a function knows when an attempt is the last one and the local
/// runner polls as the host would. App settings override host.json as they do for the host
/// (<c>AzureFunctionsJobHost__extensions__queues__maxDequeueCount</c>). Missing values take the extension's defaults.
/// </summary>
public sealed record QueueHostSettings
{
    public int BatchSize { get; init; } = 16;
    public int NewBatchThreshold { get; init; } = 8;
    public int MaxDequeueCount { get; init; } = 5;
    public TimeSpan VisibilityTimeout { get; init; } = TimeSpan.Zero;
    public TimeSpan MaxPollingInterval { get; init; } = TimeSpan.FromMinutes(1);
    public string MessageEncoding { get; init; } = "base64";

    public const string OverrideSection = "AzureFunctionsJobHost:extensions:queues";

    public static QueueHostSettings Load(IConfiguration configuration, string? hostJsonPath = null)
    {
        var fromFile = LoadFile(hostJsonPath ?? Path.Combine(AppContext.BaseDirectory, "host.json"));
        var overrides = configuration.GetSection(OverrideSection);
        return fromFile with
        {
            BatchSize = overrides.GetValue<int?>("batchSize") ?? fromFile.BatchSize,
            NewBatchThreshold = overrides.GetValue<int?>("newBatchThreshold") ?? fromFile.NewBatchThreshold,
            MaxDequeueCount = overrides.GetValue<int?>("maxDequeueCount") ?? fromFile.MaxDequeueCount,
            VisibilityTimeout = overrides.GetValue<TimeSpan?>("visibilityTimeout") ?? fromFile.VisibilityTimeout,
            MaxPollingInterval = overrides.GetValue<TimeSpan?>("maxPollingInterval") ?? fromFile.MaxPollingInterval,
            MessageEncoding = overrides["messageEncoding"] ?? fromFile.MessageEncoding,
        };
    }

    private static QueueHostSettings LoadFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"host.json was not found at {path}; it is copied beside the app when it builds.", path);
        }

        using var document = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        var settings = new QueueHostSettings();
        if (!document.RootElement.TryGetProperty("extensions", out var extensions) || !extensions.TryGetProperty("queues", out var queues))
        {
            return settings;
        }

        return settings with
        {
            BatchSize = Int(queues, "batchSize") ?? settings.BatchSize,
            NewBatchThreshold = Int(queues, "newBatchThreshold") ?? settings.NewBatchThreshold,
            MaxDequeueCount = Int(queues, "maxDequeueCount") ?? settings.MaxDequeueCount,
            VisibilityTimeout = Time(queues, "visibilityTimeout") ?? settings.VisibilityTimeout,
            MaxPollingInterval = Time(queues, "maxPollingInterval") ?? settings.MaxPollingInterval,
            MessageEncoding = queues.TryGetProperty("messageEncoding", out var e) && e.GetString() is { } encoding ? encoding : settings.MessageEncoding,
        };
    }

    private static int? Int(JsonElement queues, string name) =>
        queues.TryGetProperty(name, out var value) && value.TryGetInt32(out var n) ? n : null;

    private static TimeSpan? Time(JsonElement queues, string name) =>
        queues.TryGetProperty(name, out var value) && TimeSpan.TryParse(value.GetString(), CultureInfo.InvariantCulture, out var t) ? t : null;
}
