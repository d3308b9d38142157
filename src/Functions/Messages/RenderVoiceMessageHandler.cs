using AgentOS.Voice.Functions.Queues;
using AgentOS.Voice.Messages;

namespace AgentOS.Voice.Functions.Messages;

/// <summary>Queue function RenderVoiceMessage: one <c>voice-messages</c> job, whichever path delivered it.</summary>
public sealed class RenderVoiceMessageHandler(VoiceMessageDispatcher dispatcher) : IQueueMessageHandler
{
    public const string FunctionName = "RenderVoiceMessage";

    public Task HandleAsync(QueueMessageContext message, CancellationToken cancellationToken) =>
        dispatcher.ProcessAsync(message.MessageText, cancellationToken);

    public Task OnPoisonAsync(QueueMessageContext message, string reason, CancellationToken cancellationToken) =>
        dispatcher.OnPoisonAsync(message.MessageText, reason, cancellationToken);
}

public static class MessageFunctionsExtensions
{
    /// <summary>Voice messages in the Functions app: <see cref="VoiceMessagesServiceCollectionExtensions.AddVoiceMessages"/> plus the queue function.</summary>
    public static IServiceCollection AddMessageFunctions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddVoiceMessages(configuration);
        services.AddQueueFunction<RenderVoiceMessageHandler>(RenderVoiceMessageHandler.FunctionName, VoiceMessageQueue.QueueName);
        return services;
    }
}
