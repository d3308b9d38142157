using AgentOS.Voice.Calls;
using AgentOS.Voice.Hosting;
using AgentOS.Voice.Llm;

namespace AgentOS.Voice.RelayHost;

/// <summary>
/// GET /agents/{agentId}/ws?callId=…&amp;attempt=…&amp;expires=…&amp;ticket=…: the ConversationRelay socket. Everything
/// that can refuse a call is checked before the upgrade, cheapest and safest first: Twilio's signature and the call's
/// ticket (403, before any session or storage work), capacity and draining (503), a ticket already used (403), a
/// call that already has a live session here (409), the agent (404), its model (503).
/// </summary>
internal static partial class RelayEndpoint
{
    public static Task HandleAsync(HttpContext context, RelayServices relay)
    {
        var admitted = AdmitAsync(context, relay);

        // Usually complete by now (the agent is cached, the 101 goes out at once): the request's task is then the
        // call's own, with no state machine holding on for the whole call just to wait for it.
        return admitted.IsCompletedSuccessfully
            ? admitted.Result?.RunAsync() ?? Task.CompletedTask
            : RunWhenAdmittedAsync(admitted);
    }

    private static async Task RunWhenAdmittedAsync(Task<RelaySocketSession?> admitted)
    {
        if (await admitted is { } session)
        {
            await session.RunAsync();
        }
    }

    /// <summary>The accepted session, which then owns the socket and the registry slot; null when refused.</summary>
    private static async Task<RelaySocketSession?> AdmitAsync(HttpContext context, RelayServices relay)
    {
        var logger = relay.Logger;

        // The validator logs the URL it checked when it refuses.
        if (!relay.Validator.IsValidUpgrade(context, relay.PublicUrls.RelayBaseUrl))
        {
            Refused("signature");
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return null;
        }

        var agentId = (string)context.Request.RouteValues[RelayRoute.AgentIdValue]!;
        if (relay.Tickets.Check(agentId, context.Request.Query, out var failure) is not { } ticket)
        {
            LogBadTicket(logger, agentId, failure!);
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return null;
        }

        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return null;
        }

        var registry = relay.Registry;
        if (!registry.TryEnter())
        {
            var why = registry.IsDraining ? "draining" : "at-capacity";
            LogRefused(logger, why, registry.LiveSessions);
            Refused(why);
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.Headers.RetryAfter = "1";
            return null;
        }

        var admitted = false;
        var claimed = false;
        try
        {
            // Used up even when refused below: Twilio starts a failed session again with a new ticket, never this one.
            if (!relay.UsedTickets.TryUse(ticket))
            {
                LogReplayed(logger, ticket.CallId, ticket.Attempt);
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                return null;
            }

            if (!(claimed = registry.TryClaimCall(ticket.CallId)))
            {
                LogSecondSession(logger, ticket.CallId, ticket.Attempt);
                context.Response.StatusCode = StatusCodes.Status409Conflict;
                return null;
            }

            // Not RequestAborted: Kestrel creates its cancellation source on first use, and it would live as long as
            // the call. The lookup is almost always a cache hit, and a lost socket ends the session's receive anyway.
            var agent = await relay.Agents.GetAsync(agentId, CancellationToken.None);
            if (agent is null || !agent.Enabled)
            {
                LogNoAgent(logger, agentId);
                Refused("no-agent");
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return null;
            }

            Microsoft.Extensions.AI.IChatClient chat;
            try
            {
                chat = relay.Models.GetClient(agent);
            }
            catch (LlmConfigurationException e)
            {
                LogNoModel(logger, agent.Id, e.Message);
                Refused("no-model");
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                return null;
            }

            var socket = await context.WebSockets.AcceptWebSocketAsync();
            admitted = true;
            return new RelaySocketSession(socket, agent, ticket, chat, relay);
        }
        finally
        {
            if (!admitted)
            {
                if (claimed)
                {
                    registry.ReleaseCall(ticket.CallId);
                }

                registry.Exit();
            }
        }
    }

    private static void Refused(string reason) => VoiceTelemetry.RefusedUpgrades.Add(1, new KeyValuePair<string, object?>("reason", reason));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a relay upgrade for agent {AgentId}: no such agent, or it is disabled")]
    private static partial void LogNoAgent(ILogger logger, string agentId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a relay upgrade: {Why} ({Live} live sessions)")]
    private static partial void LogRefused(ILogger logger, string why, int live);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a relay upgrade to agent {AgentId}: {Why}")]
    private static partial void LogBadTicket(ILogger logger, string agentId, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {CallId}: refused a relay upgrade with session {Attempt}'s ticket, already used")]
    private static partial void LogReplayed(ILogger logger, string callId, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {CallId}: refused a relay upgrade for session {Attempt}, the call already has a live session")]
    private static partial void LogSecondSession(ILogger logger, string callId, int attempt);

    [LoggerMessage(Level = LogLevel.Error, Message = "Agent {AgentId} has no usable model: {Reason}")]
    private static partial void LogNoModel(ILogger logger, string agentId, string reason);
}
