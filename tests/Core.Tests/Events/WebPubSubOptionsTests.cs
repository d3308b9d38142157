using System.Net;
using AgentOS.Voice.Events;
using AgentOS.Voice.TestSupport;
using Azure.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AgentOS.Voice.Core.Tests.Events;

public sealed class WebPubSubOptionsTests
{
    [Fact]
    public void A_connection_string_gives_the_endpoint_key_and_port()
    {
        var options = WebPubSubServiceClientOptions.FromConnectionString(
            "Endpoint=https://voice.webpubsub.azure.com/;AccessKey=abc=;Version=1.0;Port=8443;", "calls");

        Assert.Equal(new Uri("https://voice.webpubsub.azure.com:8443/"), options.Endpoint);
        Assert.Equal("abc=", options.AccessKey);
        Assert.Equal("calls", options.Hub);
    }

    [Theory]
    [InlineData("AccessKey=abc;Version=1.0;", "Endpoint= and AccessKey=")]
    [InlineData("Endpoint=https://x.webpubsub.azure.com;Version=1.0;", "Endpoint= and AccessKey=")]
    [InlineData("Endpoint=https://x.webpubsub.azure.com;AccessKey=k;Version=2.0;", "Version=2.0")]
    [InlineData("Endpoint=ftp://x;AccessKey=k;", "not an http(s) URL")]
    [InlineData("Endpoint=https://x.webpubsub.azure.com/path;AccessKey=k;", "without path")]
    [InlineData("nonsense", "without '='")]
    public void A_bad_connection_string_is_refused_in_words_without_the_key(string connectionString, string expected)
    {
        var error = Assert.Throws<FormatException>(() => WebPubSubServiceClientOptions.FromConnectionString(connectionString, "calls"));
        Assert.Contains(expected, error.Message);
        Assert.DoesNotContain("AccessKey=k", error.Message);
    }

    [Fact]
    public void A_bad_setting_fails_at_start_naming_it()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddVoiceEvents(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Events:WebPubSubEndpoint"] = "not a url",
            ["Events:Hub"] = "calls",
        }).Build());

        var error = Assert.Throws<OptionsValidationException>(() => services.BuildServiceProvider().GetRequiredService<IOptions<EventsOptions>>().Value);
        Assert.Contains("not an http(s) URL", error.Message);
    }

    [Fact]
    public void Without_a_setting_events_are_off()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddVoiceEvents(new ConfigurationBuilder().Build());

        Assert.False(services.BuildServiceProvider().GetRequiredService<VoiceEventPublisher>().Enabled);
    }

    [Fact]
    public async Task With_only_an_endpoint_requests_carry_a_cached_Entra_token_for_the_Web_PubSub_scope()
    {
        var authorizations = new List<string>();
        await using var service = await LoopbackApp.StartAsync(app => app.MapPost("/api/hubs/{hub}/groups/{group}/:send", (HttpRequest request) =>
        {
            lock (authorizations) authorizations.Add(request.Headers.Authorization.ToString());
            return Results.StatusCode(202);
        }));
        var credential = new CountingCredential();
        var client = new WebPubSubServiceClient(new HttpClient(), WebPubSubServiceClientOptions.FromEndpoint(service.BaseUrl(), "calls"), TimeProvider.System, credential);

        await client.SendToGroupAsync("agent.a", "[]"u8.ToArray(), CancellationToken.None);
        await client.SendToGroupAsync("agent.a", "[]"u8.ToArray(), CancellationToken.None);

        Assert.Equal(["Bearer entra-token", "Bearer entra-token"], authorizations);
        Assert.Equal(1, credential.Calls);
        Assert.Equal([WebPubSubServiceClient.EntraScope], credential.Scopes);
    }

    private sealed class CountingCredential : TokenCredential
    {
        public int Calls { get; private set; }

        public string[] Scopes { get; private set; } = [];

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            throw new NotSupportedException("The client asks asynchronously.");

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            Calls++;
            Scopes = requestContext.Scopes;
            return ValueTask.FromResult(new AccessToken("entra-token", DateTimeOffset.UtcNow.AddHours(1)));
        }
    }
}
