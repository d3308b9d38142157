using System.Diagnostics.Metrics;
using AgentOS.Voice.Events;
using AgentOS.Voice.TestSupport;
using AgentOS.Voice.WebPubSubStandIn;
using StandInServer = AgentOS.Voice.WebPubSubStandIn.WebPubSubStandIn;
using Microsoft.Extensions.DependencyInjection;

namespace AgentOS.Voice.Core.Tests.Events;

/// <summary>A Web PubSub stand-in on loopback and a publisher configured with its connection string.</summary>
internal sealed class PublisherHarness : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly MeterListener _meters = new();
    private long _dropped;
    private long _sent;

    private PublisherHarness(StandInServer standIn, EventsOptions options)
    {
        StandIn = standIn;
        Options = options;
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = _services.GetRequiredService<IMeterFactory>();
        Logger = new ListLogger<VoiceEventPublisher>();
        Client = new WebPubSubServiceClient(new HttpClient(), options.ToClientOptions(), TimeProvider.System);
        Publisher = new VoiceEventPublisher(Client, options, TimeProvider.System, meters, Logger);
        _meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Scope == meters && instrument.Name is VoiceEventPublisher.DroppedCounterName or VoiceEventPublisher.SentCounterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _meters.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            if (instrument.Name == VoiceEventPublisher.DroppedCounterName)
            {
                Interlocked.Add(ref _dropped, value);
            }
            else
            {
                Interlocked.Add(ref _sent, value);
            }
        });
        _meters.Start();
    }

    public StandInServer StandIn { get; }

    public EventsOptions Options { get; }

    public WebPubSubServiceClient Client { get; }

    public VoiceEventPublisher Publisher { get; }

    public ListLogger<VoiceEventPublisher> Logger { get; }

    /// <summary>The dropped counter's total as the Meter reported it.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public long Sent => Interlocked.Read(ref _sent);

    public static async Task<PublisherHarness> StartAsync(Action<EventsOptions>? configure = null)
    {
        var standIn = new StandInServer(new WebPubSubStandInOptions());
        await standIn.StartAsync();
        var options = new EventsOptions { WebPubSubConnectionString = standIn.ConnectionString, RetryBaseDelay = TimeSpan.FromMilliseconds(5) };
        configure?.Invoke(options);
        return new PublisherHarness(standIn, options);
    }

    /// <summary>A client that may join the given groups, as negotiate hands them out.</summary>
    public Task<WebPubSubTestClient> ConnectAsync(params string[] groups)
    {
        var audience = $"{StandIn.BaseUrl}/client/hubs/{Options.Hub}";
        var now = DateTimeOffset.UtcNow;
        var token = AccessKeyToken.Create(StandIn.AccessKey, audience, now, now.AddHours(1),
            roles: groups.Select(g => "webpubsub.joinLeaveGroup." + g).ToArray());
        return WebPubSubTestClient.ConnectAsync(audience.Replace("http://", "ws://") + "?access_token=" + token);
    }

    public async ValueTask DisposeAsync()
    {
        await Publisher.StopAsync(CancellationToken.None);
        Publisher.Dispose();
        _meters.Dispose();
        await _services.DisposeAsync();
        await StandIn.DisposeAsync();
    }
}
