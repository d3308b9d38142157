using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AgentOS.Voice.Webhooks;

public static class AgentEndpointsServiceCollectionExtensions
{
    /// <summary>The named client for agents' own endpoints (tools, outcome webhooks).</summary>
    public const string HttpClientName = "agent-endpoints";

    /// <summary>
    /// The options and the HTTP client that reaches agents' endpoints. Its connections go only to addresses
    /// <see cref="AgentEndpointOptions.IsAllowed"/> accepts, checked on the resolved address at connect time, and it
    /// follows no redirects (a redirect could lead anywhere). No retry handler: a tool call is bounded by the call's
    /// patience, and outcome webhooks retry through their queue.
    /// </summary>
    public static IServiceCollection AddAgentEndpoints(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AgentEndpointOptions>().Bind(configuration.GetSection(AgentEndpointOptions.SectionName));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<SignedPoster>();
        services.AddHttpClient(HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(sp =>
            {
                var options = sp.GetRequiredService<IOptions<AgentEndpointOptions>>().Value;
                return new SocketsHttpHandler
                {
                    AllowAutoRedirect = false,
                    UseProxy = false,
                    ConnectTimeout = TimeSpan.FromSeconds(5),
                    ConnectCallback = (context, ct) => ConnectAsync(options, context, ct),
                };
            });
        return services;
    }

    private static async ValueTask<Stream> ConnectAsync(AgentEndpointOptions options, SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, cancellationToken);
        var allowed = addresses.Where(options.IsAllowed).ToArray();
        if (allowed.Length == 0)
        {
            throw new HttpRequestException(HttpRequestError.ConnectionError,
                $"Refused to connect to {host}: it resolves only to private, loopback or link-local addresses.");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
