using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace AgentOS.Voice.WebPubSubStandIn;

/// <summary>
/// A local stand-in for Azure Web PubSub on 127.0.0.1: the REST send routes and <c>json.webpubsub.azure.v1</c>
/// client WebSockets, checked with one access key, state in memory. What it leaves out is in its README.
/// </summary>
public sealed class WebPubSubStandIn : IAsyncDisposable
{
    private readonly WebPubSubStandInOptions _options;
    private readonly ConcurrentDictionary<string, Hub> _hubs = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<RestSend> _sends = new();
    private readonly ConcurrentQueue<InjectedFailure> _failures = new();
    private readonly CancellationTokenSource _stopping = new();
    private WebApplication? _app;
    private string? _baseUrl;

    public WebPubSubStandIn(WebPubSubStandInOptions options)
    {
        options.Validate();
        _options = options;
        Tokens = new AccessTokenValidator(options);
    }

    /// <summary>http://127.0.0.1:port, no trailing slash: the connection string's Endpoint.</summary>
    public string BaseUrl => _baseUrl ?? throw new InvalidOperationException("Call StartAsync first.");

    public string AccessKey => _options.AccessKey;

    /// <summary>What the apps are configured with, as the Azure portal shows it.</summary>
    public string ConnectionString => $"Endpoint={BaseUrl};AccessKey={_options.AccessKey};Version=1.0;";

    /// <summary>Every REST send accepted so far, in order.</summary>
    public IReadOnlyCollection<RestSend> Sends => _sends;

    internal AccessTokenValidator Tokens { get; }

    internal CancellationToken Stopping => _stopping.Token;

    /// <summary>
    /// Makes the next <paramref name="count"/> authorized REST sends answer <paramref name="statusCode"/> (with
    /// Retry-After when given) instead of delivering, as the service does when it throttles (429) or fails (5xx).
    /// </summary>
    public void FailNextSends(int count, HttpStatusCode statusCode, TimeSpan? retryAfter = null)
    {
        for (var i = 0; i < count; i++)
        {
            _failures.Enqueue(new InjectedFailure((int)statusCode, retryAfter));
        }
    }

    /// <summary>Connections open in the hub now.</summary>
    public int ConnectionCount(string hub) => HubNamed(hub).All.Count();

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_app is not null)
        {
            throw new InvalidOperationException("The stand-in is already started.");
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, _options.Port));
        var app = builder.Build();
        app.UseWebSockets();
        app.MapRestApi(this);
        app.MapClientEndpoint(this);
        await app.StartAsync(cancellationToken);
        _baseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        _app = app;
    }

    internal Hub HubNamed(string hub) => _hubs.GetOrAdd(hub, _ => new Hub());

    internal void Record(RestSend send) => _sends.Enqueue(send);

    internal InjectedFailure? TakeInjectedFailure() => _failures.TryDequeue(out var failure) ? failure : null;

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        _stopping.Dispose();
    }

    internal sealed record InjectedFailure(int StatusCode, TimeSpan? RetryAfter);
}
