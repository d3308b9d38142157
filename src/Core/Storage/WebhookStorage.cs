using System.ComponentModel.DataAnnotations;
using AgentOS.Voice.Agents;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentOS.Voice.Storage;

/// <summary>"Webhooks" configuration: how long a Twilio webhook waits for storage before answering without it.</summary>
public sealed class WebhookStorageOptions
{
    public const string SectionName = "Webhooks";

    /// <summary>
    /// Twilio gives a webhook 15 s, and a caller hears silence all the while: past this, storage is taken as out and
    /// the webhook answers from what it has (a cached agent, safe TwiML) and defers its writes.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:00:10")]
    public TimeSpan StorageDeadline { get; set; } = TimeSpan.FromSeconds(4);
}

/// <summary>
/// Storage as Twilio's webhooks use it: reads bounded by <see cref="WebhookStorageOptions.StorageDeadline"/>, an
/// agent from memory when storage is out, and writes that storage could not take handed to the
/// <see cref="StorageRetryBuffer"/>, so a webhook answers Twilio with TwiML or a 2xx whatever storage does.
/// </summary>
public sealed partial class WebhookStorage(
    CachingAgentStore agents, StorageRetryBuffer retries, IOptions<WebhookStorageOptions> options, TimeProvider time, ILogger<WebhookStorage> logger)
{
    /// <summary>The agent, or the one last known when storage is out (null when it was never seen here).</summary>
    public async Task<(Agent? Agent, bool StorageOut)> GetAgentAsync(string agentId, CancellationToken cancellationToken)
    {
        var (agent, failure) = await ReadAsync(token => agents.GetAsync(agentId, token), cancellationToken);
        if (failure is null)
        {
            return (agent, false);
        }

        var lastKnown = agents.LastKnown(agentId);
        LogAgentFromMemory(failure, agentId, lastKnown is not null);
        return (lastKnown, true);
    }

    /// <summary>
    /// Runs <paramref name="read"/> within the deadline: its result, or the outage that stopped it (a caller's own
    /// cancellation and refusals that are not outages still throw).
    /// </summary>
    public async Task<(T? Value, Exception? Outage)> ReadAsync<T>(Func<CancellationToken, Task<T>> read, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.Value.StorageDeadline);
        try
        {
            return (await read(deadline.Token).WaitAsync(options.Value.StorageDeadline, time, cancellationToken), null);
        }
        catch (Exception e) when (StorageOutage.IsOutage(e, cancellationToken))
        {
            return (default, e);
        }
    }

    /// <summary>
    /// Runs <paramref name="write"/> within the deadline; when storage is out it is deferred (retried in memory) and
    /// false is returned. <paramref name="write"/> must be safe to run again (read, merge, write).
    /// </summary>
    public async Task<bool> WriteOrDeferAsync(string what, Func<CancellationToken, Task> write, CancellationToken cancellationToken) =>
        !(await RunOrDeferAsync(what, async token =>
        {
            await write(token);
            return true;
        }, cancellationToken)).Deferred;

    /// <summary>As <see cref="WriteOrDeferAsync"/>, with the work's result when it was done now.</summary>
    public async Task<(T? Value, bool Deferred)> RunOrDeferAsync<T>(string what, Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        var (value, failure) = await ReadAsync(work, cancellationToken);
        if (failure is null)
        {
            return (value, false);
        }

        LogDeferring(failure, what);
        retries.Defer(what, work);
        return (default, true);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storage out: agent {AgentId} read from memory (found there: {Known})")]
    private partial void LogAgentFromMemory(Exception e, string agentId, bool known);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storage out: {What} deferred")]
    private partial void LogDeferring(Exception e, string what);
}

public static class WebhookStorageServiceCollectionExtensions
{
    /// <summary>"Webhooks" options (validated at start) and <see cref="WebhookStorage"/>; needs AddStorageRetryBuffer and AddAgents.</summary>
    public static IServiceCollection AddWebhookStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<WebhookStorageOptions>().Bind(configuration.GetSection(WebhookStorageOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<WebhookStorage>();
        return services;
    }
}
