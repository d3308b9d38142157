using Microsoft.Extensions.Options;

namespace AgentOS.Voice.Functions.Queues;

/// <summary>The outcome of one attempt. <see cref="Poisoned"/>: it was the last allowed attempt and the handler was told.</summary>
public sealed record QueueInvocationResult(bool Succeeded, string? FailureReason, bool Poisoned)
{
    public static readonly QueueInvocationResult Success = new(true, null, false);
}

/// <summary>
/// Runs one attempt of a queue function in its own DI scope — the single path shared by host invocations and the local
/// poller — and, when a failed attempt is the last allowed one, tells the handler why before the message is poisoned.
/// </summary>
public sealed class QueueFunctionInvoker(
    IServiceScopeFactory scopes,
    IOptions<QueueFunctionOptions> options,
    ILogger<QueueFunctionInvoker> logger)
{
    public async Task<QueueInvocationResult> InvokeAsync(QueueFunctionRegistration function, QueueMessageContext message, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var handler = (IQueueMessageHandler)scope.ServiceProvider.GetRequiredService(function.HandlerType);
        try
        {
            await handler.HandleAsync(message, cancellationToken);
            logger.LogDebug("{Function} handled message {MessageId} on attempt {Attempt}", function.FunctionName, message.Id, message.DequeueCount);
            return QueueInvocationResult.Success;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(e, "{Function} failed message {MessageId} on attempt {Attempt}", function.FunctionName, message.Id, message.DequeueCount);
            return await FailAsync(handler, function, message, $"{e.GetType().Name}: {e.Message}", cancellationToken);
        }
    }

    /// <summary>Counts an attempt that failed before the handler could run (e.g. a message that is not base64).</summary>
    public async Task<QueueInvocationResult> FailWithoutHandlingAsync(
        QueueFunctionRegistration function, QueueMessageContext message, string reason, CancellationToken cancellationToken)
    {
        logger.LogWarning("{Function} could not handle message {MessageId}: {Reason}", function.FunctionName, message.Id, reason);
        await using var scope = scopes.CreateAsyncScope();
        var handler = (IQueueMessageHandler)scope.ServiceProvider.GetRequiredService(function.HandlerType);
        return await FailAsync(handler, function, message, reason, cancellationToken);
    }

    private async Task<QueueInvocationResult> FailAsync(
        IQueueMessageHandler handler, QueueFunctionRegistration function, QueueMessageContext message, string reason, CancellationToken cancellationToken)
    {
        if (message.DequeueCount < options.Value.MaxDequeueCount)
        {
            return new QueueInvocationResult(false, reason, Poisoned: false);
        }

        try
        {
            await handler.OnPoisonAsync(message, reason, cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogError(e, "{Function}: OnPoisonAsync failed for message {MessageId}", function.FunctionName, message.Id);
        }

        logger.LogError("{Function} gave up on message {MessageId} after {Attempts} attempts: {Reason}",
            function.FunctionName, message.Id, message.DequeueCount, reason);
        return new QueueInvocationResult(false, reason, Poisoned: true);
    }
}
