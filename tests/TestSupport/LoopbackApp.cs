using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentOS.Voice.TestSupport;

/// <summary>
/// A small Kestrel app on a free 127.0.0.1 port with logging off: the base of every local stand-in for an outside
/// service (Twilio, ElevenLabs, LLM providers) and of test apps the simulator calls.
/// </summary>
public static class LoopbackApp
{
    /// <param name="map">The app's endpoints.</param>
    /// <param name="listen">Endpoint settings beyond plain HTTP/1.1, e.g. TLS and HTTP/2 (<see cref="TestCertificate"/>).</param>
    public static async Task<WebApplication> StartAsync(Action<WebApplication> map, Action<ListenOptions>? listen = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, options => listen?.Invoke(options)));
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        return app;
    }

    /// <summary>http://127.0.0.1:PORT (https:// with TLS), without a trailing slash, as people write base URLs in configuration.</summary>
    public static string BaseUrl(this WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
}
