namespace AgentOS.Voice.Calls;

/// <summary>
/// Where an agent's ConversationRelay socket lives on RelayHost. The Functions app writes this path into TwiML and
/// RelayHost serves it, two deployables that must agree, so it is written once here. The ticket's query parameters
/// and the &lt;Parameter&gt; names of the setup are in <see cref="RelayTickets"/>.
/// </summary>
public static class RelayRoute
{
    /// <summary>The route value holding the agent's id.</summary>
    public const string AgentIdValue = "agentId";

    /// <summary>The route template RelayHost maps.</summary>
    public const string Pattern = "/agents/{" + AgentIdValue + "}/ws";

    /// <summary>The path of <paramref name="agentId"/>'s socket, to append to the relay's base URL.</summary>
    public static string Path(string agentId) => "/agents/" + Uri.EscapeDataString(agentId) + "/ws";
}
