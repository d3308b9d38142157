namespace AgentOS.Voice.Conversation;

/// <summary>
/// What the call core sends to the caller. Implementations serialize into their wire protocol and must not be called
/// concurrently (the session serializes its own calls). Cancellation tokens passed here end the call, not a turn:
/// a cancelled send may break the connection.
/// </summary>
public interface ICallOutput
{
    /// <summary>A piece of the answer to speak; <paramref name="last"/> ends the answer.</summary>
    ValueTask SayAsync(string text, bool last, CancellationToken cancellationToken);

    ValueTask PlayAsync(Uri source, CancellationToken cancellationToken);

    ValueTask SendDigitsAsync(string digits, CancellationToken cancellationToken);

    ValueTask SwitchLanguageAsync(string? speechLanguage, string? transcriptionLanguage, CancellationToken cancellationToken);

    /// <summary>Ends the call's session; <paramref name="handoffData"/> (a JSON string) asks for a transfer to a human.</summary>
    ValueTask EndAsync(string? handoffData, CancellationToken cancellationToken);
}
