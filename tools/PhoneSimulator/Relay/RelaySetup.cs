namespace AgentOS.Voice.Simulator.Relay;

/// <summary>The fields of the <c>setup</c> message Twilio sends first on a ConversationRelay socket.</summary>
public sealed record RelaySetup(
    string SessionId,
    string AccountSid,
    string CallSid,
    string From,
    string To,
    string Direction,
    string CallStatus,
    IReadOnlyDictionary<string, string> CustomParameters)
{
    public static string NewSessionId() => "VX" + Guid.NewGuid().ToString("N");
}
