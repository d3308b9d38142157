using AgentOS.Voice.Functions.Hosting;
using AgentOS.Voice.Messages;
using Azure.Storage.Queues.Models;
using Microsoft.Azure.Functions.Worker;

namespace AgentOS.Voice.Functions.Messages;

/// <summary>
/// Queue function RenderVoiceMessage: one <c>voice-messages</c> job (base64, as host.json says). Provider failures are
/// settled by the dispatcher (re-queued with backoff, or poisoned at once when permanent); a job that can never be
/// sent is parked in <c>voice-messages-poison</c> at once with its reason. Anything else thrown (storage down) fails the
/// attempt: the host makes the message visible again after host.json's visibilityTimeout and moves it to
/// <c>voice-messages-poison</c> after maxDequeueCount attempts; before the last attempt's failure goes back to the host,
/// the message record is told why it was given up.
/// </summary>
public sealed partial class RenderVoiceMessageFunction(
    VoiceMessageDispatcher dispatcher, QueueHostSettings queues, TimeProvider time, ILogger<RenderVoiceMessageFunction> logger)
{
    [Function("RenderVoiceMessage")]
    public async Task RunAsync(
        [QueueTrigger(VoiceMessageQueue.QueueName, Connection = "AzureWebJobsStorage")] QueueMessage message, CancellationToken cancellationToken)
    {
        QueueAge.Record(message, VoiceMessageQueue.QueueName, time);
        try
        {
            await dispatcher.ProcessAsync(message.MessageText, cancellationToken);
        }
        catch (VoiceMessageRejectedException e)
        {
            await dispatcher.RejectAsync(message.MessageId, message.MessageText, e.Message, cancellationToken);
        }
        catch (Exception e) when (message.DequeueCount >= queues.MaxDequeueCount && !cancellationToken.IsCancellationRequested)
        {
            try
            {
                await dispatcher.OnPoisonAsync(message.MessageText, $"{e.GetType().Name}: {e.Message}", cancellationToken);
            }
            catch (Exception recordFailure) when (!cancellationToken.IsCancellationRequested)
            {
                LogPoisonNoteFailed(logger, recordFailure, message.MessageId);
            }

            throw;
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Message {QueueMessageId}: could not record why it was given up")]
    private static partial void LogPoisonNoteFailed(ILogger logger, Exception e, string queueMessageId);
}

public static class MessageFunctionsExtensions
{
    /// <summary>Voice messages in the Functions app: <see cref="VoiceMessagesServiceCollectionExtensions.AddVoiceMessages"/> plus host.json's queue settings.</summary>
    public static IServiceCollection AddMessageFunctions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddVoiceMessages(configuration);
        services.AddSingleton(sp => QueueHostSettings.Load(sp.GetRequiredService<IConfiguration>()));
        return services;
    }
}
