using Microsoft.AspNetCore.Http;

namespace AgentOS.Voice.Calls;

public static class RelayTicketQueries
{
    /// <summary>The ticket on an upgrade request's query string (a repeated parameter's values joined, as ASP.NET reads them).</summary>
    public static RelayTicket? Check(this RelayTickets tickets, string agentId, IQueryCollection query, out string? failure) =>
        tickets.Check(agentId, name => query[name], out failure);
}
