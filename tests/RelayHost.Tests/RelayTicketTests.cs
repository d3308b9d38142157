using System.Net;
using System.Net.WebSockets;
using AgentOS.Voice.Calls;
using AgentOS.Voice.Simulator.Signing;
using AgentOS.Voice.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace AgentOS.Voice.RelayHost.Tests;

/// <summary>
/// A relay socket belongs to one call: Twilio's signature alone (the same every time a URL is used) opens nothing
/// without the call's ticket, a ticket opens one socket once, and a setup naming another call or agent is closed.
/// </summary>
[Collection(RelayCollection.Name)]
public sealed class RelayTicketTests(AzuriteFixture azurite) : IDisposable
{
    private readonly RelayTestHost _host = new(azurite);

    private RelaySessionRegistry Registry => _host.Services.GetRequiredService<RelaySessionRegistry>();

    [Fact]
    public async Task A_correctly_signed_upgrade_without_a_ticket_is_refused_with_403()
    {
        // What an observer of an earlier call's upgrade holds: the agent's URL and Twilio's valid signature of it.
        var agent = _host.AddAgent();

        await using var twilio = await _host.ConnectAsync(agent.Id, query: "");

        Assert.Equal(HttpStatusCode.Forbidden, twilio.Status);
        Assert.Equal(0, _host.Agents.Reads);
    }

    [Theory]
    [InlineData("other agent")]
    [InlineData("other call")]
    [InlineData("other attempt")]
    [InlineData("other secret")]
    [InlineData("expired")]
    public async Task A_ticket_for_anything_else_opens_nothing(string what)
    {
        var agent = _host.AddAgent();
        var expires = _host.Time.GetUtcNow().AddMinutes(2);
        var ticket = _host.Ticket(agent.Id, "c-1");
        var query = what switch
        {
            "other agent" => _host.Ticket("another-agent", "c-1"),
            // The call id or attempt changed on a ticket made for another: Twilio's signature is made over the changed URL.
            "other call" => ticket.Replace("callId=c-1", "callId=c-2", StringComparison.Ordinal),
            "other attempt" => ticket.Replace("attempt=1", "attempt=2", StringComparison.Ordinal),
            "other secret" => RelayTickets.Query("another-secret-of-at-least-32-characters", agent.Id, "c-1", 1, expires),
            _ => _host.Ticket(agent.Id, "c-1", lifetime: TimeSpan.FromSeconds(30)),
        };
        if (what == "expired")
        {
            _host.Time.Advance(TimeSpan.FromSeconds(31));
        }

        await using var twilio = await _host.ConnectAsync(agent.Id, query: query);

        Assert.Equal(HttpStatusCode.Forbidden, twilio.Status);
        Assert.Equal(0, _host.Agents.Reads);
        Assert.Equal(0, Registry.LiveSessions);
    }

    [Fact]
    public async Task A_ticket_opens_one_socket_once_even_after_its_session_ended()
    {
        var agent = _host.AddAgent();
        var query = _host.Ticket(agent.Id, "c-once");
        await using (var first = await _host.ConnectAsync(agent.Id, callId: "c-once", query: query))
        {
            Assert.Equal(HttpStatusCode.SwitchingProtocols, first.Status);
        }

        await Eventually.True(() => Registry.LiveSessions == 0, "the first session ended");

        await using var replay = await _host.ConnectAsync(agent.Id, callId: "c-once", query: query);
        Assert.Equal(HttpStatusCode.Forbidden, replay.Status);
        Assert.NotEqual(WebSocketState.Open, replay.Socket.State);
    }

    [Fact]
    public async Task A_second_live_session_for_one_call_is_refused_with_409_and_allowed_once_the_first_ended()
    {
        var agent = _host.AddAgent();
        var first = await _host.ConnectAsync(agent.Id, callId: "c-live");
        Assert.Equal(HttpStatusCode.SwitchingProtocols, first.Status);

        await using (var second = await _host.ConnectAsync(agent.Id, callId: "c-live", query: _host.Ticket(agent.Id, "c-live", attempt: 2)))
        {
            Assert.Equal(HttpStatusCode.Conflict, second.Status);
        }

        await first.DisposeAsync();
        await Eventually.True(() => Registry.LiveSessions == 0, "the first session ended");
        await using var retry = await _host.ConnectAsync(agent.Id, callId: "c-live", query: _host.Ticket(agent.Id, "c-live", attempt: 3));
        Assert.Equal(HttpStatusCode.SwitchingProtocols, retry.Status);
    }

    [Theory]
    [InlineData("callId")]
    [InlineData("agentId")]
    [InlineData("none")]
    public async Task A_setup_naming_another_call_or_agent_is_closed_and_touches_neither_call(string changed)
    {
        var agent = _host.AddAgent();
        var victim = "c-victim-" + Guid.NewGuid().ToString("n")[..6];
        var contexts = _host.Services.GetRequiredService<ICallContextStore>();
        await contexts.SaveAsync(new CallContext
        {
            CallId = victim, AgentId = agent.Id, To = "+14155552671", From = agent.PhoneNumber,
            Context = new Dictionary<string, string> { ["name"] = "Grace" }, CreatedAt = _host.Time.GetUtcNow(),
        });
        await using var twilio = await _host.ConnectAsync(agent.Id);
        var parameters = changed switch
        {
            "callId" => new Dictionary<string, string> { ["callId"] = victim, ["agentId"] = agent.Id },
            "agentId" => new Dictionary<string, string> { ["callId"] = twilio.CallId, ["agentId"] = "another-agent" },
            _ => [],
        };

        await twilio.SetupAsync("outbound", parameters);

        Assert.Null(await twilio.ReceiveAsync());
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, twilio.Socket.CloseStatus);
        Assert.Equal("setup does not match the session's ticket", twilio.Socket.CloseStatusDescription);
        await Eventually.True(() => Registry.LiveSessions == 0, "the session ended");
        Assert.Empty(_host.Models.For(agent).Requests);
        var calls = _host.Services.GetRequiredService<ICallStore>();
        Assert.Null(await calls.GetCallAsync(victim));
        Assert.Null(await calls.GetCallAsync(twilio.CallId));
    }

    public void Dispose() => _host.Dispose();
}
