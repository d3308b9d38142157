using AgentOS.Voice.Agents;
using AgentOS.Voice.Calls;
using AgentOS.Voice.Conversation;
using AgentOS.Voice.Events;
using AgentOS.Voice.Llm;
using AgentOS.Voice.Outcomes;
using AgentOS.Voice.Twilio;
using AgentOS.Voice.Twilio.Webhooks;
using Microsoft.Extensions.Options;

namespace AgentOS.Voice.RelayHost;

/// <summary>
/// What the relay endpoint and its sessions use, resolved once when the endpoint is mapped. A request that never
/// touches RequestServices gets no DI scope, and a ConversationRelay request lasts the whole call: the scope would be
/// memory every idle call holds.
/// </summary>
internal sealed class RelayServices(
    TwilioRequestValidator validator,
    IOptions<PublicUrlOptions> publicUrls,
    RelaySessionRegistry registry,
    IAgentStore agents,
    ILlmClientProvider models,
    ICallContextStore callContexts,
    ICallRecorder recorder,
    IOptions<RelayHostOptions> relayOptions,
    IOptions<ConversationOptions> conversationOptions,
    TimeProvider time,
    ILoggerFactory loggers,
    IAgentToolClient tools,
    OutcomeRequests outcomes,
    RelayTickets tickets,
    RelayTicketLedger usedTickets,
    VoiceEventPublisher events)
{
    public TwilioRequestValidator Validator { get; } = validator;

    public PublicUrlOptions PublicUrls { get; } = publicUrls.Value;

    public RelaySessionRegistry Registry { get; } = registry;

    public IAgentStore Agents { get; } = agents;

    public ILlmClientProvider Models { get; } = models;

    public ICallContextStore CallContexts { get; } = callContexts;

    public ICallRecorder Recorder { get; } = recorder;

    public RelayHostOptions Options { get; } = relayOptions.Value;

    public ConversationOptions Conversation { get; } = conversationOptions.Value;

    public TimeProvider Time { get; } = time;

    /// <summary>Calls the agents' own HTTP tools.</summary>
    public IAgentToolClient Tools { get; } = tools;

    /// <summary>Queues each ended call's outcome.</summary>
    public OutcomeRequests Outcomes { get; } = outcomes;

    /// <summary>Checks the ticket on each upgrade's URL.</summary>
    public RelayTickets Tickets { get; } = tickets;

    /// <summary>Tickets already used on this replica.</summary>
    public RelayTicketLedger UsedTickets { get; } = usedTickets;

    /// <summary>Live call events (disabled without a Web PubSub setting).</summary>
    public VoiceEventPublisher Events { get; } = events;

    public ILogger Logger { get; } = loggers.CreateLogger("AgentOS.Voice.RelayHost.Relay");
}
