using System.Net;
using System.Net.WebSockets;
using AgentOS.Voice.Simulator.Signing;
using AgentOS.Voice.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace AgentOS.Voice.RelayHost.Tests;

[CollectionDefinition(Name)]
public sealed class RelayCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "relay";
}

[Collection(RelayCollection.Name)]
public sealed class RelayUpgradeTests(AzuriteFixture azurite) : IDisposable
{
    private readonly RelayTestHost _host = new(azurite, ("RelayHost:MaxSessions", "1"));

    [Fact]
    public async Task A_signed_upgrade_is_accepted()
    {
        var agent = _host.AddAgent();
        await using var twilio = await _host.ConnectAsync(agent.Id);

        Assert.Equal(WebSocketState.Open, twilio.Socket.State);
        Assert.Equal(HttpStatusCode.SwitchingProtocols, twilio.Status);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("bm90IGEgc2lnbmF0dXJl")]
    [InlineData("wrong-url")]
    public async Task Unsigned_or_forged_upgrades_get_403_before_any_work(string? signature)
    {
        var agent = _host.AddAgent();
        if (signature == "wrong-url")
        {
            // Validly made, but for another agent's URL.
            signature = TwilioRequestSigner.Sign(RelayTestHost.AuthToken, $"{RelayTestHost.PublicBase}/agents/other/ws");
        }

        await using var twilio = await _host.ConnectAsync(agent.Id, signature);

        Assert.Equal(HttpStatusCode.Forbidden, twilio.Status);
        Assert.NotEqual(WebSocketState.Open, twilio.Socket.State);
        Assert.Equal(0, _host.Agents.Reads);
        Assert.Equal(0, _host.Services.GetRequiredService<RelaySessionRegistry>().LiveSessions);
    }

    [Fact]
    public async Task An_unknown_agent_gets_404_before_the_upgrade()
    {
        await using var twilio = await _host.ConnectAsync("nobody");

        Assert.Equal(HttpStatusCode.NotFound, twilio.Status);
        Assert.Equal(0, _host.Services.GetRequiredService<RelaySessionRegistry>().LiveSessions);
    }

    [Fact]
    public async Task Over_the_session_cap_upgrades_get_503_and_a_freed_slot_is_reused()
    {
        var agent = _host.AddAgent();
        var first = await _host.ConnectAsync(agent.Id);
        Assert.Equal(WebSocketState.Open, first.Socket.State);

        await using (var second = await _host.ConnectAsync(agent.Id))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, second.Status);
        }

        await first.DisposeAsync();
        await Eventually.True(() => _host.Services.GetRequiredService<RelaySessionRegistry>().LiveSessions == 0, "no live session");
        await using var third = await _host.ConnectAsync(agent.Id);
        Assert.Equal(WebSocketState.Open, third.Socket.State);
    }

    [Fact]
    public async Task A_session_with_no_frame_for_the_idle_timeout_is_ended_so_twilio_hangs_up_rather_than_reconnects()
    {
        var agent = _host.AddAgent();
        await using var twilio = await _host.ConnectAsync(agent.Id);
        await twilio.SetupAsync();
        await Eventually.True(() => _host.Services.GetRequiredService<RelaySessionRegistry>().LiveSessions == 1, "one live session");

        _host.Time.Advance(new RelayHostOptions().IdleTimeout + TimeSpan.FromSeconds(1));

        // end first: Twilio's action then says "ended" (hang up), where a bare close is "failed" (reconnect, and wait again).
        var end = await twilio.ReceiveAsync();
        Assert.Equal("end", end!.Value.GetProperty("type").GetString());
        Assert.False(end.Value.TryGetProperty("handoffData", out _));
        Assert.Null(await twilio.ReceiveAsync());
        Assert.Equal(WebSocketCloseStatus.NormalClosure, twilio.Socket.CloseStatus);
        Assert.Equal("idle timeout", twilio.Socket.CloseStatusDescription);
    }

    [Fact]
    public async Task Each_message_restarts_the_idle_clock()
    {
        var agent = _host.AddAgent();
        _host.Models.For(agent).Reply("One.").Reply("Two.");
        var idleTimeout = new RelayHostOptions().IdleTimeout;
        await using var twilio = await _host.ConnectAsync(agent.Id);
        await twilio.SetupAsync();

        _host.Time.Advance(idleTimeout - TimeSpan.FromSeconds(30));
        await twilio.PromptAsync("Still there?");
        Assert.Equal("One.", (await twilio.ReceiveAnswerAsync())[0].GetProperty("token").GetString());

        // Past the first deadline, but less than the timeout since the prompt: still open.
        _host.Time.Advance(TimeSpan.FromSeconds(60));
        await twilio.PromptAsync("And now?");
        Assert.Equal("Two.", (await twilio.ReceiveAnswerAsync())[0].GetProperty("token").GetString());

        _host.Time.Advance(idleTimeout + RelaySessionRegistry.IdleSweepPeriod(idleTimeout));
        Assert.Equal("end", (await twilio.ReceiveAsync())!.Value.GetProperty("type").GetString());
        Assert.Null(await twilio.ReceiveAsync());
        Assert.Equal("idle timeout", twilio.Socket.CloseStatusDescription);
    }

    [Fact]
    public async Task A_caller_that_does_not_answer_our_close_is_cut_off_after_the_close_timeout()
    {
        var agent = _host.AddAgent();
        await using var twilio = await _host.ConnectAsync(agent.Id);
        await twilio.SetupAsync();
        var registry = _host.Services.GetRequiredService<RelaySessionRegistry>();
        await Eventually.True(() => registry.LiveSessions == 1, "one live session");

        // We close for silence; the caller never reads, so never answers the close.
        _host.Time.Advance(new RelayHostOptions().IdleTimeout + TimeSpan.FromSeconds(5));
        await Task.Delay(200);
        Assert.Equal(1, registry.LiveSessions);

        _host.Time.Advance(new RelayHostOptions().CloseTimeout);
        await Eventually.True(() => registry.LiveSessions == 0, "the session ended");
    }

    [Fact]
    public async Task On_shutdown_new_upgrades_get_503_live_calls_go_on_until_the_drain_timeout_then_close()
    {
        var agent = _host.AddAgent();
        _host.Models.For(agent).Reply("Still ", "here.");
        await using var live = await _host.ConnectAsync(agent.Id);
        await live.SetupAsync();
        var registry = _host.Services.GetRequiredService<RelaySessionRegistry>();
        await Eventually.True(() => registry.LiveSessions == 1, "one live session");

        var drained = registry.DrainAsync();
        await using (var late = await _host.ConnectAsync(agent.Id))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, late.Status);
        }

        await live.PromptAsync("Are you there?");
        Assert.Equal(["Still ", "here.", ""], (await live.ReceiveAnswerAsync()).Select(m => m.GetProperty("token").GetString()));

        _host.Time.Advance(new RelayHostOptions().DrainTimeout);
        Assert.Null(await live.ReceiveAsync());
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, live.Socket.CloseStatus);
        await drained.WaitAsync(TimeSpan.FromSeconds(10));
    }

    public void Dispose() => _host.Dispose();
}
