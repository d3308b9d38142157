using AgentOS.Voice.Calls;
using AgentOS.Voice.Conversation;
using AgentOS.Voice.Hosting;

namespace AgentOS.Voice.Twilio.ConversationRelay;

/// <summary>
/// ConversationRelay messages as the call core sees them: the wire → <see cref="CallInput"/> half of the protocol's
/// serializer (<see cref="RelayCallOutput"/> is the other half), so a socket session only moves bytes.
/// </summary>
public static class RelayCallInputs
{
    /// <summary>The input a message carries for the session; null for messages that carry none (info, unknown types).</summary>
    public static CallInput? From(RelayMessage message) => message switch
    {
        // Partial prompts (partialPrompts on) are previews; the final one carries the turn.
        PromptMessage { Last: true } p => new CallerSaid(p.VoicePrompt, p.Lang),
        PromptMessage p => new CallerSpeaking(p.VoicePrompt),
        DtmfMessage d => new KeyPressed(d.Digit),
        InterruptMessage i => new CallerInterrupted(i.UtteranceUntilInterrupt, i.DurationUntilInterruptMs),
        ErrorMessage e => new TransportError(e.Description),
        _ => null,
    };

    /// <summary>
    /// Why <paramref name="setup"/> is not the session <paramref name="ticket"/> opened, or null when it is. The TwiML
    /// that carried the ticket also set the call and agent Parameters; a setup without them is not from that TwiML.
    /// </summary>
    public static string? MismatchWith(SetupMessage setup, RelayTicket ticket)
    {
        setup.CustomParameters.TryGetValue(RelayTickets.CallIdSetupParameter, out var callId);
        setup.CustomParameters.TryGetValue(RelayTickets.AgentIdSetupParameter, out var agentId);
        return callId != ticket.CallId ? $"callId '{callId}'"
            : agentId != ticket.AgentId ? $"agentId '{agentId}'"
            : null;
    }

    /// <summary>Who the call is with, from the setup of the session <paramref name="ticket"/> opened and the call's stored context.</summary>
    public static CallStart Start(SetupMessage setup, RelayTicket ticket, IReadOnlyDictionary<string, string>? context) => new()
    {
        CallId = ticket.CallId,
        Attempt = ticket.Attempt,
        CallSid = setup.CallSid,
        Direction = setup.Direction,
        From = setup.From,
        To = setup.To,
        Context = context ?? CallStart.NoContext,
        TraceParent = setup.CustomParameters.GetValueOrDefault(VoiceTelemetry.TraceParentParameter),
    };
}
