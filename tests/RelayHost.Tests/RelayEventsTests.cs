using System.Net;
using System.Text.Json;
using AgentOS.Voice.Conversation;
using AgentOS.Voice.Events;
using AgentOS.Voice.TestSupport;
using AgentOS.Voice.WebPubSubStandIn;
using Microsoft.Extensions.DependencyInjection;
using StandInServer = AgentOS.Voice.WebPubSubStandIn.WebPubSubStandIn;

namespace AgentOS.Voice.RelayHost.Tests;

/// <summary>A real relay call publishing its events to the Web PubSub stand-in, watched by a real client socket.</summary>
[Collection(RelayCollection.Name)]
public sealed class RelayEventsTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private StandInServer _standIn = null!;
    private RelayTestHost _host = null!;

    public async Task InitializeAsync()
    {
        _standIn = new StandInServer(new WebPubSubStandInOptions());
        await _standIn.StartAsync();
        // The host's clock is a fake that only the tests move; the publisher signs tokens and waits between retries on
        // the real one here, as it does in production, so a retry under a loaded machine cannot wait forever.
        _host = new RelayTestHost(azurite, services => services.AddSingleton(sp => new VoiceEventPublisher(
            new WebPubSubServiceClient(new HttpClient(), WebPubSubServiceClientOptions.FromConnectionString(_standIn.ConnectionString, "calls"), TimeProvider.System),
            sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<EventsOptions>>().Value,
            TimeProvider.System,
            sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(),
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<VoiceEventPublisher>>())),
            ("Events:WebPubSubConnectionString", _standIn.ConnectionString));
        _host.Time.SetUtcNow(DateTimeOffset.UtcNow);
    }

    public async Task DisposeAsync()
    {
        _host.Dispose();
        await _standIn.DisposeAsync();
    }

    private async Task<WebPubSubTestClient> WatchAsync(string group)
    {
        var client = new WebPubSubServiceClient(new HttpClient(),
            WebPubSubServiceClientOptions.FromConnectionString(_standIn.ConnectionString, "calls"), TimeProvider.System);
        var url = await client.GetClientAccessUriAsync(["webpubsub.joinLeaveGroup." + group], TimeSpan.FromMinutes(5), null, CancellationToken.None);
        var watcher = await WebPubSubTestClient.ConnectAsync(url.ToString());
        await watcher.JoinAsync(group);
        return watcher;
    }

    private static string Type(JsonElement e) => e.GetProperty("type").GetString()!["agentos.voice.call.".Length..];

    [Fact]
    public async Task A_call_streams_its_turns_interruption_tool_hand_off_and_end_to_the_agent_and_call_groups()
    {
        var agent = _host.AddAgent(a => a with { TransferNumber = "+15005550009" });
        _host.Models.For(agent).Endless("old").Reply("Short ", "answer. ", "More").Reply("Noted.").Tool(ConversationTools.HandoffToHuman, "reason", "billing");
        var callId = "c-" + Guid.NewGuid().ToString("n")[..8];
        await using var agentWatcher = await WatchAsync(EventGroups.Agent(agent.Id));
        await using var callWatcher = await WatchAsync(EventGroups.Call(callId));
        // The socket's ticket names the call, and setup carries the same id: before, this test passed its call id as
        // setup's direction, so the session ran under the ticket's own id and the call group never heard of it.
        await using var twilio = await _host.ConnectAsync(agent.Id, callId: callId);

        await twilio.SetupAsync();
        await twilio.PromptAsync("Tell me everything.");
        var heard = (await twilio.ReceiveAsync())!.Value.GetProperty("token").GetString();
        await twilio.SendAsync(JsonSerializer.Serialize(new { type = "interrupt", utteranceUntilInterrupt = heard, durationUntilInterruptMs = "300" }));
        await twilio.PromptAsync("Just the short version.");
        var answer = await twilio.ReceiveAnswerAsync();
        Assert.Equal("More", answer[^2].GetProperty("token").GetString()); // the call itself went as without events
        await twilio.SendAsync("""{"type":"dtmf","digit":"5"}""");
        await twilio.ReceiveAnswerAsync();
        await twilio.PromptAsync("A person, please.");
        while (await twilio.ReceiveAsync() is { } m && m.GetProperty("type").GetString() != "end")
        {
        }

        // A tool that ends the call is recorded when it returns, so its event is the last, just after the end.
        var events = await agentWatcher.ReceiveEventsUntilAsync(e => Type(e) == "tool.called");
        var types = events.Select(Type).ToList();
        var ended = events.Single(e => Type(e) == "ended").GetProperty("data");
        Assert.Equal("started", types[0]);
        Assert.Equal(["handoff", "ended", "tool.called"], types[^3..]);
        Assert.All(events, e => Assert.Equal("calls/" + callId, e.GetProperty("subject").GetString()));
        Assert.Equal(events.Count, events.Select(e => e.GetProperty("id").GetString()).Distinct().Count());

        // The greeting, said by ConversationRelay, is the first agent turn.
        var dones = events.Where(e => Type(e) == "turn.agent.done").Select(e => e.GetProperty("data")).ToList();
        Assert.Equal(0, dones[0].GetProperty("index").GetInt32());
        Assert.False(dones[0].TryGetProperty("answer", out _));

        // The interrupted answer: what was sent, what was heard.
        var interrupted = dones[1];
        Assert.True(interrupted.GetProperty("interrupted").GetBoolean());
        Assert.Equal(heard, interrupted.GetProperty("heardText").GetString());

        // The short answer: pieces cut at the sentence end, together the whole text, then done with its first-token time.
        var second = dones[2];
        var pieces = events.Where(e => Type(e) == "turn.agent.streaming" && e.GetProperty("data").GetProperty("answer").GetInt64() == second.GetProperty("answer").GetInt64())
            .Select(e => e.GetProperty("data")).ToList();
        Assert.Equal(["Short answer. ", "More"], pieces.Select(p => p.GetProperty("text").GetString()));
        Assert.Equal([0, 1], pieces.Select(p => p.GetProperty("seq").GetInt32()));
        Assert.True(second.GetProperty("answer").GetInt64() > interrupted.GetProperty("answer").GetInt64());
        Assert.Equal("Short answer. More", second.GetProperty("text").GetString());
        Assert.False(second.GetProperty("interrupted").GetBoolean());
        Assert.True(second.GetProperty("firstTokenMs").GetDouble() >= 0);
        Assert.Equal(3, second.GetProperty("tokens").GetInt32());

        // In the order they happened: greeting, first question, the answer cut off, second question, the short answer,
        // the key, the hand-off.
        var indexOf = (Func<JsonElement, bool> match) => events.FindIndex(e => match(e));
        int[] order =
        [
            indexOf(e => Type(e) == "turn.agent.done" && e.GetProperty("data").GetProperty("index").GetInt32() == 0),
            indexOf(e => Type(e) == "turn.caller"),
            indexOf(e => Type(e) == "turn.agent.done" && e.GetProperty("data").GetProperty("interrupted").GetBoolean()),
            events.FindLastIndex(e => Type(e) == "turn.caller" && e.GetProperty("data").GetProperty("text").GetString() == "Just the short version."),
            indexOf(e => Type(e) == "turn.agent.done" && e.GetProperty("data").GetProperty("text").GetString() == "Short answer. More"),
            indexOf(e => Type(e) == "key.pressed"),
            indexOf(e => Type(e) == "handoff"),
        ];
        Assert.All(order, i => Assert.True(i > 0));
        Assert.Equal(order.Order(), order);

        var callerTurns = events.Where(e => Type(e) == "turn.caller").Select(e => e.GetProperty("data").GetProperty("text").GetString()).ToList();
        Assert.Equal(["Tell me everything.", "Just the short version."], callerTurns.Take(2));
        Assert.Equal("5", events.Single(e => Type(e) == "key.pressed").GetProperty("data").GetProperty("digits").GetString());
        Assert.Equal(ConversationTools.HandoffToHuman, events.Single(e => Type(e) == "tool.called").GetProperty("data").GetProperty("name").GetString());
        Assert.Contains("billing", events.Single(e => Type(e) == "handoff").GetProperty("data").GetProperty("data").GetString());
        Assert.Equal("handed-off", ended.GetProperty("reason").GetString());
        Assert.True(ended.GetProperty("turns").GetInt32() >= 7);

        // The call's group got the same events.
        var toCall = await callWatcher.ReceiveEventsUntilAsync(e => Type(e) == "tool.called");
        Assert.Equal(events.Select(e => e.GetProperty("id").GetString()), toCall.Select(e => e.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task A_call_goes_on_unchanged_when_Web_PubSub_fails_every_send()
    {
        _standIn.FailNextSends(10_000, HttpStatusCode.ServiceUnavailable);
        // The publisher's own drop counter proves it tried and gave up; an empty stand-in alone would also pass with
        // events never published at all.
        long sendFailed = 0;
        var meters = _host.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        using var listener = new System.Diagnostics.Metrics.MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Scope == meters && instrument.Name == VoiceEventPublisher.DroppedCounterName)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag is { Key: "reason", Value: VoiceEventPublisher.SendFailed })
                {
                    Interlocked.Add(ref sendFailed, value);
                }
            }
        });
        listener.Start();
        var agent = _host.AddAgent();
        _host.Models.For(agent).Reply("Sure, ", "Friday ", "works.");
        await using var twilio = await _host.ConnectAsync(agent.Id);

        await twilio.SetupAsync();
        await twilio.PromptAsync("Can I move my appointment to Friday?");
        var answer = await twilio.ReceiveAnswerAsync();

        Assert.Equal(["Sure, ", "Friday ", "works.", ""], answer.Select(m => m.GetProperty("token").GetString()));
        await Eventually.True(() => Interlocked.Read(ref sendFailed) > 0, "events dropped as send-failed");
        Assert.Empty(_standIn.Sends);
    }
}
