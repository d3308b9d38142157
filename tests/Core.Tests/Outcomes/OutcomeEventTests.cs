using System.Text.Json;
using AgentOS.Voice.Events;
using AgentOS.Voice.Messages;
using AgentOS.Voice.Outcomes;
using AgentOS.Voice.TestSupport;
using AgentOS.Voice.WebPubSubStandIn;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StandInServer = AgentOS.Voice.WebPubSubStandIn.WebPubSubStandIn;

namespace AgentOS.Voice.Core.Tests.Outcomes;

/// <summary>Outcomes published as live events, sent to the Web PubSub stand-in on loopback.</summary>
public sealed class OutcomeEventTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private readonly StandInServer _standIn = new(new WebPubSubStandInOptions());

    public Task InitializeAsync() => _standIn.StartAsync();

    public async Task DisposeAsync() => await _standIn.DisposeAsync();

    [Fact]
    public async Task A_call_and_a_message_outcome_are_published_to_the_agent_and_the_call_groups()
    {
        // The harness's clock is a fake stopped in the past; the publisher signs its tokens on the real one, as in production.
        await using var h = new OutcomeHarness(azurite, services => services.AddSingleton(sp => new VoiceEventPublisher(
                new WebPubSubServiceClient(new HttpClient(), WebPubSubServiceClientOptions.FromConnectionString(_standIn.ConnectionString, "calls"), TimeProvider.System),
                sp.GetRequiredService<IOptions<EventsOptions>>().Value, TimeProvider.System,
                sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), sp.GetRequiredService<ILogger<VoiceEventPublisher>>())),
            ("Events:WebPubSubConnectionString", _standIn.ConnectionString));
        var publisher = h.Get<VoiceEventPublisher>();
        await publisher.StartAsync(CancellationToken.None);
        await h.AddAgentAsync("clinic");
        await h.AddEndedCallAsync("clinic", "call-ev");
        await h.Get<IVoiceMessageStore>().AddAsync(new VoiceMessage
        {
            Id = "msg-ev", AgentId = "clinic", To = "+14155550100", Text = "Your appointment is on Friday at ten.",
            State = MessageState.NoAnswer, CreatedAt = h.Time.GetUtcNow(), UpdatedAt = h.Time.GetUtcNow(),
        });

        await h.Get<OutcomeMaker>().ProcessAsync(OutcomeHarness.Request("call", "clinic", "call-ev"));
        await h.Get<OutcomeMaker>().ProcessAsync(OutcomeHarness.Request("message", "clinic", "msg-ev"));
        await publisher.StopAsync(CancellationToken.None); // sends what is buffered before it returns

        var byGroup = _standIn.Sends.GroupBy(s => s.Target).ToDictionary(
            g => g.Key, g => g.SelectMany(s => JsonDocument.Parse(s.Body).RootElement.EnumerateArray()).ToList());
        var call = Assert.Single(byGroup["group:agent.clinic"], e => e.GetProperty("type").GetString() == "agentos.voice.call.outcome");
        var message = Assert.Single(byGroup["group:agent.clinic"], e => e.GetProperty("type").GetString() == "agentos.voice.message.outcome");
        Assert.Equal(call.GetProperty("id").GetString(), Assert.Single(byGroup["group:call.call-ev"]).GetProperty("id").GetString());
        Assert.Equal(("calls/call-ev", "call-ev"), (call.GetProperty("subject").GetString(), call.GetProperty("callid").GetString()));
        Assert.Equal(("messages/msg-ev", "msg-ev"), (message.GetProperty("subject").GetString(), message.GetProperty("messageid").GetString()));

        // The data is the outcome as the call-outcomes queue carries it.
        var queued = (await h.DrainAsync(OutcomeOptions.OutcomeQueue)).Select(o => JsonDocument.Parse(o).RootElement).ToDictionary(o => o.GetProperty("id").GetString()!);
        Assert.True(JsonElement.DeepEquals(queued["call-ev"], call.GetProperty("data")), call.GetProperty("data").GetRawText());
        Assert.True(JsonElement.DeepEquals(queued["msg-ev"], message.GetProperty("data")), message.GetProperty("data").GetRawText());
        var data = call.GetProperty("data");
        Assert.Equal("outcome_call_call-ev", data.GetProperty("webhookId").GetString());
        Assert.True(data.GetProperty("fields").GetProperty("booked").GetBoolean());
        Assert.Equal(0.25248m, data.GetProperty("cost").GetProperty("total").GetDecimal());
        Assert.Equal("no-answer", message.GetProperty("data").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Without_an_events_setting_the_outcome_is_made_and_nothing_is_published()
    {
        await using var h = new OutcomeHarness(azurite);
        await h.AddAgentAsync("clinic");
        await h.AddEndedCallAsync("clinic", "call-quiet");

        await h.Get<OutcomeMaker>().ProcessAsync(OutcomeHarness.Request("call", "clinic", "call-quiet"));

        Assert.False(h.Get<VoiceEventPublisher>().Enabled);
        Assert.Single(await h.DrainAsync(OutcomeOptions.OutcomeQueue));
    }
}
