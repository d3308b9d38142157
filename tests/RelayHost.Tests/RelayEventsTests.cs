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

    [Fact]
    public async Task A_call_goes_on_unchanged_when_Web_PubSub_fails_every_send()
    {
        _standIn.FailNextSends(10_000, HttpStatusCode.ServiceUnavailable);
        var agent = _host.AddAgent();
        _host.Models.For(agent).Reply("Sure, ", "Friday ", "works.");
        await using var twilio = await _host.ConnectAsync(agent.Id);

        await twilio.SetupAsync();
        await twilio.PromptAsync("Can I move my appointment to Friday?");
        var answer = await twilio.ReceiveAnswerAsync();

        Assert.Equal(["Sure, ", "Friday ", "works.", ""], answer.Select(m => m.GetProperty("token").GetString()));
        Assert.Empty(_standIn.Sends);
        Assert.True(_host.Services.GetRequiredService<VoiceEventPublisher>().Enabled);
    }
}
