using System.ComponentModel.DataAnnotations;

namespace AgentOS.Voice.Functions.Queues;

/// <summary>
/// How queue functions run (section "Functions"). Under the Functions host, host.json's extensions.queues governs
/// polling and retries; these settings give the local poller the same behaviour and tell both paths when an attempt is
/// the last one.
/// </summary>
public sealed class QueueFunctionOptions
{
    public const string SectionName = "Functions";

    /// <summary>Poll queues in-process. Unset: on exactly when no Functions host is present (FUNCTIONS_CUSTOMHANDLER_PORT unset).</summary>
    public bool? LocalQueuePolling { get; set; }

    /// <summary>Serve POST /{FunctionName} for the host's invocations. Unset: on exactly when the host is present.</summary>
    public bool? HostInvocation { get; set; }

    /// <summary>Attempts before a message is poisoned; keep equal to host.json's extensions.queues.maxDequeueCount.</summary>
    [Range(1, 100)]
    public int MaxDequeueCount { get; set; } = 5;

    /// <summary>Local poller: how long a failed message stays invisible before its next attempt.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Local poller: how long a message being handled stays invisible to other readers.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan VisibilityTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Local poller: messages read and handled concurrently per queue (Azure allows at most 32 per read).</summary>
    [Range(1, 32)]
    public int BatchSize { get; set; } = 16;

    /// <summary>Local poller: the wait after a non-empty read; doubles while the queue stays empty, up to the maximum.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan MinPollingInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan MaxPollingInterval { get; set; } = TimeSpan.FromSeconds(5);
}
