using AgentOS.Voice.Calls;
using Microsoft.Extensions.Options;

namespace AgentOS.Voice.RelayHost;

/// <summary>
/// Graceful drain: from ApplicationStopping new upgrades get 503, live calls continue up to the drain timeout, then
/// are closed; shutdown waits for them (bounded), then for the call recorder to write what they left queued (bounded
/// by CallRecorder:FlushTimeout; a storage outage keeps rows waiting while the recorder retries), before the server
/// and the recorder stop.
/// </summary>
internal sealed partial class RelayDrainService(
    RelaySessionRegistry registry,
    BackgroundCallRecorder recorder,
    IHostApplicationLifetime lifetime,
    IOptions<RelayHostOptions> options,
    IOptions<CallRecorderOptions> recorderOptions,
    ILogger<RelayDrainService> logger) : IHostedService
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

        var left = await recorder.FlushAsync(recorderOptions.Value.FlushTimeout, cancellationToken);
        if (left > 0)
        {
            LogRowsLeft(left, recorderOptions.Value.FlushTimeout);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Draining {Live} live sessions (up to {DrainTimeout})")]
    private partial void LogDraining(int live, TimeSpan drainTimeout);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Rows} call store rows were still not written {FlushTimeout} after the drain")]
    private partial void LogRowsLeft(int rows, TimeSpan flushTimeout);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Live} sessions were still open when the drain ended")]
    private partial void LogDrainIncomplete(int live);
}
