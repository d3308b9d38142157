using System.Net.Http.Json;
using System.Text.Json;
using AgentOS.Voice.Events;
using AgentOS.Voice.Simulator;
using AgentOS.Voice.TestSupport;
using AgentOS.Voice.WebPubSubStandIn;
using StandInServer = AgentOS.Voice.WebPubSubStandIn.WebPubSubStandIn;

namespace AgentOS.Voice.EndToEnd.Tests.Messages;

/// <summary>A message delivered by the Functions runner to the phone simulator, its events watched through the Web PubSub stand-in.</summary>
public sealed class MessageEventsEndToEndTests : IAsyncLifetime
{
    private readonly AzuriteFixture _azurite = new();
    private readonly PhoneSimulator _simulator = new(new PhoneSimulatorOptions { AuthToken = "e2e-twilio-auth-token", TimeScale = 0.02 });
    private readonly StandInServer _standIn = new(new WebPubSubStandInOptions());
    private MessagesApp _app = null!;

    public async Task InitializeAsync()
    {
        await _azurite.InitializeAsync();
        await _simulator.StartAsync();
        await _standIn.StartAsync();
        _app = MessagesApp.Start(_azurite, _simulator, "e2eev",
            new Dictionary<string, string> { ["Events:WebPubSubConnectionString"] = _standIn.ConnectionString });
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _standIn.DisposeAsync();
        await _simulator.DisposeAsync();
        await _azurite.DisposeAsync();
    }

    private static string Type(JsonElement e) => e.GetProperty("type").GetString()!["agentos.voice.message.".Length..];

    [Fact]
    public async Task A_recorded_message_to_a_person_publishes_its_whole_state_sequence()
    {
        await _app.CreateAgentAsync("reminders-events", "+15550000021");
        _simulator.Numbers["+15551000021"] = NumberBehavior.Person(recordingSeconds: 3);
        var url = (await _app.Api.GetFromJsonAsync<JsonElement>("/api/events/negotiate?agentId=reminders-events")).GetProperty("url").GetString()!;
        await using var watcher = await WebPubSubTestClient.ConnectAsync(url);
        await watcher.JoinAsync(EventGroups.Agent("reminders-events"));

        var accepted = await _app.SendAsync("reminders-events", new { to = "+15551000021", text = "Your prescription is ready.", record = true });
        // The recording and the end of the call reach us in either order.
        var seen = new HashSet<string>();
        var events = await watcher.ReceiveEventsUntilAsync(e => seen.Add(Type(e)) && seen.IsSupersetOf(["completed", "recorded"]));

        var types = events.Select(Type).ToList();
        Assert.Equal(["queued", "rendered", "calling"], types.Take(3));
        Assert.Equal(1, types.Count(t => t == "recorded"));
        Assert.Equal(1, types.Count(t => t == "completed"));
        Assert.DoesNotContain("failed", types);
        Assert.InRange(types.Count(t => t == "answered"), 1, 2);
        Assert.True(types.IndexOf("answered") < types.IndexOf("completed"), string.Join(", ", types));
        Assert.Equal("human", events.Last(e => Type(e) == "answered").GetProperty("data").GetProperty("answeredBy").GetString());
        Assert.All(events, e => Assert.Equal("messages/" + accepted.Id(), e.GetProperty("subject").GetString()));
        var done = await _app.WaitForStateAsync("reminders-events", accepted.Id(), "completed");
        Assert.Equal(done.String("callSid"), events.Single(e => Type(e) == "completed").GetProperty("data").GetProperty("callSid").GetString());
    }
}
