using System.Net;
using AgentOS.Voice.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace AgentOS.Voice.RelayHost.Tests;

/// <summary>Liveness stays cheap; readiness follows storage and draining.</summary>
[Collection(RelayCollection.Name)]
public sealed class RelayHealthTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Ready_and_live_while_storage_answers_and_not_ready_once_draining()
    {
        using var host = new RelayTestHost(azurite);
        using var http = new HttpClient { BaseAddress = HttpBase(host) };

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/readyz")).StatusCode);

        _ = host.Services.GetRequiredService<RelaySessionRegistry>().DrainAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync("/readyz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public async Task Unreachable_storage_makes_the_replica_unready_but_still_live()
    {
        // Nothing listens on this port: the storage check's read fails the way an outage would.
        var deadPort = FreePort.Next();
        using var host = new RelayTestHost(azurite, ("Storage:ConnectionString", azurite.ConnectionString.Replace($":{azurite.TablePort}/", $":{deadPort}/", StringComparison.Ordinal)));
        using var http = new HttpClient { BaseAddress = HttpBase(host), Timeout = TimeSpan.FromSeconds(30) };

        var ready = await http.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
    }

    private static Uri HttpBase(RelayTestHost host) => new(host.SocketUri("x").GetLeftPart(UriPartial.Authority).Replace("ws://", "http://", StringComparison.Ordinal));
}
