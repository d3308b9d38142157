using System.Net;
using AgentOS.Voice.Simulator.Calls;
using AgentOS.Voice.Simulator.Relay;
using AgentOS.Voice.Simulator.Rest;
using AgentOS.Voice.Simulator.Softphone;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace AgentOS.Voice.Simulator;

/// <summary>
/// A local stand-in for Twilio: the REST API for calls on 127.0.0.1, and calls that request the app's webhooks,
/// run the TwiML they get back on simulated time, and log everything.
/// </summary>
public sealed class PhoneSimulator : IAsyncDisposable
{
    private readonly PhoneSimulatorOptions _options;
    private WebApplication? _app;
    private Switchboard? _switchboard;

    public PhoneSimulator(PhoneSimulatorOptions options)
    {
        options.Validate();
        _options = options;
    }

    public PhoneSimulatorOptions Options => _options;

    /// <summary>Base URL to configure as Twilio's API base URL (no trailing slash), e.g. http://127.0.0.1:5050.</summary>
    public string BaseUrl => _switchboard?.Context.BaseUrl ?? throw new InvalidOperationException("Call StartAsync first.");

    public string AccountSid => _options.AccountSid;

    /// <summary>How dialled numbers behave; numbers not listed answer as a person.</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, NumberBehavior> Numbers => _options.Numbers;

    /// <summary>Every call so far, in the order they were created.</summary>
    public IReadOnlyList<SimulatedCall> Calls => Started.Calls;

    /// <summary>Raised for each call event as it is logged (the CLI prints these).</summary>
    public event Action<SimulatedCall, CallEvent>? CallEventLogged;

    private Switchboard Started => _switchboard ?? throw new InvalidOperationException("Call StartAsync first.");

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_app is not null)
        {
            throw new InvalidOperationException("The simulator is already started.");
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, _options.Port));
        // Twilio gives a webhook 15 s before it gives up on it.
        builder.Services.AddHttpClient(WebhookClient.HttpClientName, client => client.Timeout = TimeSpan.FromSeconds(15));
        builder.Services.AddHttpClient(SimulatorContext.AudioClientName, client => client.Timeout = TimeSpan.FromSeconds(30));
        var app = builder.Build();
        var context = new SimulatorContext(_options, app.Services.GetRequiredService<IHttpClientFactory>());
        var switchboard = new Switchboard(context);
        switchboard.EventLogged += (call, entry) => CallEventLogged?.Invoke(call, entry);
        app.MapTwilioRest(switchboard);
        app.MapSimulatorPages(switchboard);
        if (_options.SoftphoneWebhook is not null)
        {
            app.UseWebSockets();
            app.MapSoftphone(switchboard, _options);
        }

        await app.StartAsync(cancellationToken);

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        context.BaseUrl = address.TrimEnd('/');
        _app = app;
        _switchboard = switchboard;
    }

    /// <summary>Places an inbound call to <paramref name="to"/>: requests the app's incoming-call webhook and runs what it returns.</summary>
    public Task<SimulatedCall> PlaceInboundCallAsync(string from, string to, string webhookUrl, CallerScript? script = null)
    {
        if (!Uri.TryCreate(webhookUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException($"'{webhookUrl}' is not an absolute http(s) URL.", nameof(webhookUrl));
        }

        foreach (var (name, number) in new[] { (nameof(from), from), (nameof(to), to) })
        {
            if (!Rest.CreateCallForm.IsE164(number))
            {
                throw new ArgumentException($"'{number}' is not an E.164 number (+ and up to 15 digits).", name);
            }
        }

        return Task.FromResult(Started.PlaceInbound(from, to, webhookUrl, script));
    }

    public SimulatedCall? FindCall(string callSid) => Started.Find(callSid);

    public Task<SimulatedCall> WaitForCallAsync(string callSid, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        Started.WaitForAsync(c => c.Sid == callSid, callSid, timeout, cancellationToken);

    public Task<SimulatedCall> WaitForCallAsync(Func<SimulatedCall, bool> predicate, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        Started.WaitForAsync(predicate, "matching the condition", timeout, cancellationToken);

    /// <summary>
    /// Waits until the call has reached the status (now or earlier in its log); a call that ends without reaching it
    /// fails the wait at once with its log.
    /// </summary>
    public async Task<SimulatedCall> WaitForStatusAsync(string callSid, string status, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var call = await Started.WaitForAsync(
            c => c.Sid == callSid && (Reached(c, status) || c.IsFinished), $"{callSid} with status {status}", timeout, cancellationToken);
        if (!Reached(call, status))
        {
            var log = string.Join(Environment.NewLine, call.Events.Select(e => "  " + e.Describe()));
            throw new InvalidOperationException($"Call {callSid} ended {call.Status} without reaching {status}:{Environment.NewLine}{log}");
        }

        return call;
    }

    private static bool Reached(SimulatedCall call, string status) =>
        call.Status == status || call.Events.OfType<StatusChanged>().Any(e => e.Status == status);

    public async ValueTask DisposeAsync()
    {
        if (_switchboard is not null)
        {
            await _switchboard.StopAsync();
        }

        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
