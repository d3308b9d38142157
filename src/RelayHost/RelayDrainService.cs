using Microsoft.Extensions.Options;

namespace AgentOS.Voice.RelayHost;

/// <summary>
/// Graceful drain: from ApplicationStopping new upgrades get 503, live calls continue up to the drain timeout, then
/// are closed; shutdown waits for them (bounded) before the server and the call recorder stop.
/// </summary>
internal sealed partial class RelayDrainService(
    RelaySessionRegistry registry, IHostApplicationLifetime lifetime, IOptions<RelayHostOptions> options, ILogger<RelayDrainService> logger) : IHostedService
{
    private CancellationTokenRegistration _stopping;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _stopping = lifetime.ApplicationStopping.Register(() => _ = registry.DrainAsync());
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var live = registry.LiveSessions;
        if (live > 0)
        {
            LogDraining(live, options.Value.DrainTimeout);
        }

        var bound = options.Value.DrainTimeout + options.Value.CloseTimeout + TimeSpan.FromSeconds(1);
        try
        {
            await registry.DrainAsync().WaitAsync(bound, cancellationToken);
        }
        catch (TimeoutException)
        {
            LogDrainIncomplete(registry.LiveSessions);
        }
        finally
        {
            await _stopping.DisposeAsync();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Draining {Live} live sessions (up to {DrainTimeout})")]
    private partial void LogDraining(int live, TimeSpan drainTimeout);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Live} sessions were still open when the drain ended")]
    private partial void LogDrainIncomplete(int live);
}
