using AgentOS.Voice.Agents;
using AgentOS.Voice.Llm;
using AgentOS.Voice.Twilio;
using AgentOS.Voice.Twilio.Webhooks;
using Microsoft.Extensions.Options;

namespace AgentOS.Voice.RelayHost;

/// <summary>
/// GET /agents/{agentId}/ws: the ConversationRelay socket. Everything that can refuse a call is checked before the
/// upgrade, cheapest and safest first: Twilio's signature (403, before any session or storage work), capacity and
/// draining (503), the agent (404), its model (503).
/// </summary>
internal static partial class RelayEndpoint
{
    public const string Route = "/agents/{agentId}/ws";

    public static async Task HandleAsync(HttpContext context, string agentId)
    {
        var services = context.RequestServices;
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("AgentOS.Voice.RelayHost.Relay");
        var publicUrls = services.GetRequiredService<IOptions<PublicUrlOptions>>().Value;

        // The validator logs the URL it checked when it refuses.
        if (!services.GetRequiredService<TwilioRequestValidator>().IsValidUpgrade(context, publicUrls.RelayBaseUrl))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return;
        }

        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        var registry = services.GetRequiredService<RelaySessionRegistry>();
        if (!registry.TryEnter())
        {
            LogRefused(logger, registry.IsDraining ? "draining" : "at capacity", registry.LiveSessions);
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.Headers.RetryAfter = "1";
            return;
        }

        try
        {
            var agent = await services.GetRequiredService<IAgentStore>().GetAsync(agentId, context.RequestAborted);
            if (agent is null || !agent.Enabled)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }

            Microsoft.Extensions.AI.IChatClient chat;
            try
            {
                chat = services.GetRequiredService<ILlmClientProvider>().GetClient(agent);
            }
            catch (LlmConfigurationException e)
            {
                LogNoModel(logger, agent.Id, e.Message);
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                return;
            }

            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            var session = new RelaySocketSession(
                socket, agent, chat, services, registry,
                services.GetRequiredService<IOptions<RelayHostOptions>>().Value,
                services.GetRequiredService<TimeProvider>(), logger);
            await session.RunAsync(context.RequestAborted);
        }
        finally
        {
            registry.Exit();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a relay upgrade: {Why} ({Live} live sessions)")]
    private static partial void LogRefused(ILogger logger, string why, int live);

    [LoggerMessage(Level = LogLevel.Error, Message = "Agent {AgentId} has no usable model: {Reason}")]
    private static partial void LogNoModel(ILogger logger, string agentId, string reason);
}
