using AgentOS.Voice.Functions.Hosting;
using AgentOS.Voice.Storage;
using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;

namespace AgentOS.Voice.FunctionsRunner;

/// <summary>
/// One queue-trigger function's listener, with the host's semantics and host.json's settings: reads up to batchSize
/// messages at a time, hides each while its function runs, decodes it per messageEncoding, deletes it on success,
/// makes it visible again after visibilityTimeout on failure, and after maxDequeueCount failed attempts moves the
/// stored text unchanged to <c>{queue}-poison</c>; a message that cannot be decoded goes there at once, as the host's
/// queue extension does (no attempt could ever read it). An empty queue is polled at 100 ms, doubling up to maxPollingInterval.
/// </summary>
internal sealed partial class QueueTriggerListener(
    FunctionMethod function,
    QueueClient queue,
    QueueClient poison,
    QueueHostSettings settings,
    IServiceScopeFactory scopes,
    TimeProvider time,
    ILogger<QueueTriggerListener> logger) : BackgroundService
{
    private static readonly TimeSpan MinPollingInterval = TimeSpan.FromMilliseconds(100);

    // How long a message stays hidden while its function runs (the host renews a longer lease; attempts here are short).
    private static readonly TimeSpan InvocationLease = TimeSpan.FromMinutes(5);

    public string QueueName => queue.Name;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LogListening(logger, function.Metadata.Name, queue.Name);
        var wait = MinPollingInterval;
        var ready = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!ready)
                {
                    await queue.CreateIfNotExistsAsync(cancellationToken: stoppingToken);
                    await poison.CreateIfNotExistsAsync(cancellationToken: stoppingToken);
                    ready = true;
                }

                QueueMessage[] batch = await queue.ReceiveMessagesAsync(settings.BatchSize, InvocationLease, stoppingToken);
                if (batch.Length > 0)
                {
                    await Task.WhenAll(batch.Select(m => ProcessAsync(m, stoppingToken)));
                    wait = MinPollingInterval;
                    continue;
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is RequestFailedException or HttpRequestException or AggregateException)
            {
                LogReadFailed(logger, e, function.Metadata.Name, queue.Name);
            }

            try
            {
                await Task.Delay(wait, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, Math.Max(settings.MaxPollingInterval.Ticks, MinPollingInterval.Ticks)));
        }
    }

    private async Task ProcessAsync(QueueMessage stored, CancellationToken stoppingToken)
    {
        if (!TryDecode(stored, out var message))
        {
            await PoisonAsync(stored, $"the message is not {settings.MessageEncoding}-encoded UTF-8 text (host.json extensions.queues.messageEncoding)");
            return;
        }

        var failure = await InvokeAsync(message, stoppingToken);
        if (failure is null)
        {
            await TryAsync(() => queue.DeleteMessageAsync(stored.MessageId, stored.PopReceipt), stored);
            return;
        }

        if (stoppingToken.IsCancellationRequested)
        {
            // Stopping mid-attempt: the next reader may have it at once instead of after the lease.
            await TryAsync(() => queue.UpdateMessageAsync(stored.MessageId, stored.PopReceipt, visibilityTimeout: TimeSpan.Zero), stored);
            return;
        }

        if (stored.DequeueCount >= settings.MaxDequeueCount)
        {
            await PoisonAsync(stored, failure);
        }
        else
        {
            LogFailed(logger, function.Metadata.Name, stored.MessageId, stored.DequeueCount, failure);
            await TryAsync(() => queue.UpdateMessageAsync(stored.MessageId, stored.PopReceipt, visibilityTimeout: settings.VisibilityTimeout), stored);
        }
    }

    private async Task PoisonAsync(QueueMessage stored, string reason)
    {
        LogPoisoned(logger, function.Metadata.Name, stored.MessageId, stored.DequeueCount, reason);
        if (await TryAsync(() => poison.SendMessageAsync(stored.Body.ToString(), timeToLive: TimeSpan.FromSeconds(-1)), stored))
        {
            await TryAsync(() => queue.DeleteMessageAsync(stored.MessageId, stored.PopReceipt), stored);
        }
    }

    /// <summary>Null when the function succeeded; otherwise why it failed.</summary>
    private async Task<string?> InvokeAsync(QueueMessage message, CancellationToken stoppingToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        try
        {
            await function.InvokeAsync(scope.ServiceProvider, new Invocation(null, message, stoppingToken));
            return null;
        }
        catch (Exception e)
        {
            return $"{e.GetType().Name}: {e.Message}";
        }
    }

    private bool TryDecode(QueueMessage stored, out QueueMessage decoded)
    {
        decoded = stored;
        var raw = stored.Body.ToString();
        string text;
        if (string.Equals(settings.MessageEncoding, "none", StringComparison.OrdinalIgnoreCase))
        {
            text = raw;
        }
        else if (!QueueTriggerEncoding.TryDecode(raw, out text))
        {
            return false;
        }

        decoded = QueuesModelFactory.QueueMessage(
            stored.MessageId, stored.PopReceipt, BinaryData.FromString(text), stored.DequeueCount, stored.NextVisibleOn, stored.InsertedOn, stored.ExpiresOn);
        return true;
    }

    /// <summary>Storage hiccups while settling are logged, not fatal: a message not deleted simply comes back later.</summary>
    private async Task<bool> TryAsync<T>(Func<Task<T>> operation, QueueMessage stored)
    {
        try
        {
            await operation();
            return true;
        }
        catch (RequestFailedException e)
        {
            LogSettleFailed(logger, e, function.Metadata.Name, stored.MessageId);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Function} listens to queue {Queue}")]
    private static partial void LogListening(ILogger logger, string function, string queue);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Function}: reading queue {Queue} failed; trying again")]
    private static partial void LogReadFailed(ILogger logger, Exception e, string function, string queue);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Function} failed message {MessageId} on attempt {Attempt}: {Reason}")]
    private static partial void LogFailed(ILogger logger, string function, string messageId, long attempt, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Function} gave up on message {MessageId} after {Attempts} attempts (moved to the poison queue): {Reason}")]
    private static partial void LogPoisoned(ILogger logger, string function, string messageId, long attempts, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Function}: settling message {MessageId} failed")]
    private static partial void LogSettleFailed(ILogger logger, Exception e, string function, string messageId);
}
