using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace AgentOS.Voice.Llm;

/// <summary>
/// Makes a streamed answer that ends without a finish reason an error, as <see cref="OpenAIChatClient"/> does for
/// OpenAI. The OpenAI SDK, which Azure OpenAI goes through, ends its stream quietly both when the body ends early and
/// when the provider sends an <c>error</c> event inside it (it skips the event), and the session would take the words
/// so far for the whole answer instead of saying it could not finish.
/// </summary>
internal sealed class WholeAnswerChatClient(IChatClient inner) : DelegatingChatClient(inner)
{
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var finished = false;
        await foreach (var update in base.GetStreamingResponseAsync(messages, options, cancellationToken).ConfigureAwait(false))
        {
            finished |= update.FinishReason is not null;
            yield return update;
        }

        if (!finished)
        {
            throw new LlmProviderException(null, null, null, "The model provider's stream ended before the answer did (no finish reason).");
        }
    }
}
