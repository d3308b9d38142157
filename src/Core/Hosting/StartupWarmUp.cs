using Microsoft.Extensions.Hosting;

namespace AgentOS.Voice.Hosting;

/// <summary>
/// Work done once while the app starts, so the first request does not pay for it. It begins before any hosted
/// service starts, the web server included (the first request can arrive as soon as the port is open, and the work
/// should be well under way by then, on the other core), and never holds the start up. Stopping cancels it and waits
/// for it only as long as the host allows. Failures are the subclass's to catch and log: the first real request will
/// do the same work and report properly.
/// </summary>
public abstract class StartupWarmUp : IHostedLifecycleService
{
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>The warm-up's work, started as the app starts; a completed task before that.</summary>
    public Task Warming { get; private set; } = Task.CompletedTask;

    public Task StartingAsync(CancellationToken cancellationToken)
    {
        Warming = Task.Run(() => WarmUpAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await Warming.WaitAsync(cancellationToken);
    }

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    protected abstract Task WarmUpAsync(CancellationToken stopping);
}
