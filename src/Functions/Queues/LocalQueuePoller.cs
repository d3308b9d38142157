using AgentOS.Voice.Storage;
using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.Options;

namespace AgentOS.Voice.Functions.Queues;

/// <summary>
/// Reads one queue function's queue when no Functions host does, with the host's semantics: base64 messages, hidden
/// while handled, deleted on success, visible again after the retry delay on failure, moved to <c>{queue}-poison</c>
/// after <c>MaxDequeueCount</c> failed attempts. Reads a batch at a time and handles it concurrently; when the queue
/// is empty it waits longer each time, up to the maximum polling interval.
/// </summary>
internal sealed class LocalQueuePoller(
    QueueFunctionRegistration function,
    QueueServiceClient queues,
    IOptions<StorageOptions> storage,
    IOptions<QueueFunctionOptions> options,
    QueueFunctionInvoker invoker,
    TimeProvider time,
    ILogger<LocalQueuePoller> logger) : BackgroundService
{
    private readonly QueueFunctionOptions _options = options.Value;
    private readonly QueueClient _queue = queues.GetPrefixedQueueClient(storage.Value, function.QueueName);
    private readonly QueueClient _poison = queues.GetPrefixedQueueClient(storage.Value, StorageNames.PoisonQueueName(function.QueueName));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_options.LocalQueuePolling != true)
        {
            return;
        }

        logger.LogInformation("{Function} polls queue {Queue} locally", function.FunctionName, _queue.Name);
        var wait = _options.MinPollingInterval;
        var ready = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!ready)
                {
                    await _queue.CreateIfNotExistsAsync(cancellationToken: stoppingToken);
                    await _poison.CreateIfNotExistsAsync(cancellationToken: stoppingToken);
                    ready = true;
                }

                QueueMessage[] batch = await _queue.ReceiveMessagesAsync(_options.BatchSize, _options.VisibilityTimeout, stoppingToken);
                if (batch.Length > 0)
                {
                    await Task.WhenAll(batch.Select(m => ProcessAsync(m, stoppingToken)));
                    wait = _options.MinPollingInterval;
                    continue;
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is RequestFailedException or HttpRequestException or AggregateException)
            {
                logger.LogWarning(e, "{Function}: reading queue {Queue} failed; trying again", function.FunctionName, _queue.Name);
            }

            try
            {
                await Task.Delay(wait, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, _options.MaxPollingInterval.Ticks));
        }
    }

    private async Task ProcessAsync(QueueMessage stored, CancellationToken stoppingToken)
    {
        var raw = stored.Body.ToString();
        var decoded = QueueTriggerEncoding.TryDecode(raw, out var text);
        var message = new QueueMessageContext(
            function.FunctionName, function.QueueName, decoded ? text : raw, stored.MessageId, stored.DequeueCount, stored.InsertedOn);

        QueueInvocationResult result;
        try
        {
            result = decoded
                ? await invoker.InvokeAsync(function, message, stoppingToken)
                : await invoker.FailWithoutHandlingAsync(function, message,
                    "The message is not base64-encoded UTF-8 text (the queue trigger's messageEncoding is base64).", stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down mid-attempt: let the next reader have it at once rather than after the visibility timeout.
            await TryAsync(() => _queue.UpdateMessageAsync(stored.MessageId, stored.PopReceipt, visibilityTimeout: TimeSpan.Zero), stored);
            return;
        }

        if (result.Succeeded)
        {
            await TryAsync(() => _queue.DeleteMessageAsync(stored.MessageId, stored.PopReceipt), stored);
        }
        else if (result.Poisoned)
        {
            // The original stored text goes to the poison queue unchanged, as the host does; delete only once it is there.
            if (await TryAsync(() => _poison.SendMessageAsync(raw, timeToLive: TimeSpan.FromSeconds(-1)), stored))
            {
                await TryAsync(() => _queue.DeleteMessageAsync(stored.MessageId, stored.PopReceipt), stored);
            }
        }
        else
        {
            await TryAsync(() => _queue.UpdateMessageAsync(stored.MessageId, stored.PopReceipt, visibilityTimeout: _options.RetryDelay), stored);
        }
    }

    /// <summary>Storage hiccups after an attempt are logged, not fatal: an undeleted message simply comes back later.</summary>
    private async Task<bool> TryAsync<T>(Func<Task<T>> operation, QueueMessage stored)
    {
        try
        {
            await operation();
            return true;
        }
        catch (RequestFailedException e)
        {
            logger.LogWarning(e, "{Function}: settling message {MessageId} failed", function.FunctionName, stored.MessageId);
            return false;
        }
    }
}
