using Microsoft.Azure.Functions.Worker;
using NCrontab;

namespace AgentOS.Voice.FunctionsRunner;

/// <summary>
/// One timer-trigger function: runs it at each occurrence of its NCRONTAB schedule (six fields, seconds first, in
/// UTC as the host's default), and at once when <see cref="InvokeAsync"/> is called (the admin endpoint). Invocations
/// run one at a time, as the host's timer lock has them; a failed one is logged and the schedule goes on.
/// </summary>
internal sealed partial class TimerTriggerListener(
    FunctionMethod function,
    CrontabSchedule schedule,
    IServiceScopeFactory scopes,
    TimeProvider time,
    ILogger<TimerTriggerListener> logger) : BackgroundService
{
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);
    private DateTime _last;

    public string FunctionName => function.Metadata.Name;

    public CrontabSchedule Schedule => schedule;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LogScheduled(logger, FunctionName, schedule.ToString());
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = time.GetUtcNow().UtcDateTime;
            var next = schedule.GetNextOccurrence(now);
            try
            {
                await Task.Delay(next - now, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            await InvokeAsync(stoppingToken);
        }
    }

    /// <summary>Runs the function now, after any invocation still running.</summary>
    public async Task InvokeAsync(CancellationToken cancellationToken)
    {
        await _oneAtATime.WaitAsync(cancellationToken);
        try
        {
            var now = time.GetUtcNow().UtcDateTime;
            var timer = new TimerInfo
            {
                ScheduleStatus = new ScheduleStatus { Last = _last, Next = schedule.GetNextOccurrence(now), LastUpdated = now },
            };
            await using var scope = scopes.CreateAsyncScope();
            await function.InvokeAsync(scope.ServiceProvider, new Invocation(null, null, cancellationToken, timer));
            _last = now;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            LogFailed(logger, e, FunctionName);
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Function} runs on schedule {Schedule} (UTC)")]
    private static partial void LogScheduled(ILogger logger, string function, string schedule);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Function} failed")]
    private static partial void LogFailed(ILogger logger, Exception e, string function);
}
