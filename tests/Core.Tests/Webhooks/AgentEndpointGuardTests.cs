using System.Net;
using System.Text;
using AgentOS.Voice.TestSupport;
using AgentOS.Voice.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AgentOS.Voice.Core.Tests.Webhooks;

/// <summary>The SSRF guard: agents' endpoints are checked when saved and again on every connection's resolved address.</summary>
public sealed class AgentEndpointGuardTests : IAsyncLifetime
{
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private readonly List<(string Id, string Timestamp, string Signature, string Body)> _received = [];
    private Microsoft.AspNetCore.Builder.WebApplication _receiver = null!;

    public async Task InitializeAsync() => _receiver = await LoopbackApp.StartAsync(app => app.MapPost("/hook", async (HttpRequest request) =>
    {
        using var reader = new StreamReader(request.Body);
        var body = await reader.ReadToEndAsync();
        lock (_received)
        {
            _received.Add((request.Headers["webhook-id"]!, request.Headers["webhook-timestamp"]!, request.Headers["webhook-signature"]!, body));
        }

        return Results.Ok(new { ok = true });
    }));

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    private static SignedPoster Poster(bool allowLoopback)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["AgentEndpoints:AllowLoopback"] = allowLoopback ? "true" : "false" })
            .Build();
        return new ServiceCollection().AddAgentEndpoints(configuration).BuildServiceProvider().GetRequiredService<SignedPoster>();
    }

    [Theory]
    [InlineData("https://example.com/hook", false, null)]
    [InlineData("http://example.com/hook", false, "https")]
    [InlineData("https://127.0.0.1/hook", false, "loopback")]
    [InlineData("https://localhost/hook", false, "loopback")]
    [InlineData("https://[::1]/hook", false, "loopback")]
    [InlineData("http://127.0.0.1:8080/hook", true, null)]
    [InlineData("http://localhost:8080/hook", true, null)]
    [InlineData("https://10.0.0.5/hook", true, "private")]
    [InlineData("https://192.168.1.1/hook", false, "private")]
    [InlineData("https://172.20.0.1/hook", false, "private")]
    [InlineData("https://169.254.169.254/latest/meta-data", false, "private")]
    [InlineData("https://[fe80::1]/hook", false, "private")]
    [InlineData("https://[fd00::1]/hook", false, "private")]
    [InlineData("https://[::ffff:10.0.0.1]/hook", false, "private")]
    [InlineData("https://100.64.0.1/hook", false, "private")]
    [InlineData("https://user:pw@example.com/hook", false, "user info")]
    [InlineData("ftp://example.com/hook", false, "https")]
    [InlineData("/relative", false, "https")]
    public void Urls_are_checked_when_saved(string url, bool allowLoopback, string? problemMentions)
    {
        var problem = new AgentEndpointOptions { AllowLoopback = allowLoopback }.UrlProblem(url);

        if (problemMentions is null)
        {
            Assert.Null(problem);
        }
        else
        {
            Assert.Contains(problemMentions, problem);
        }
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("127.0.0.1")]
    [InlineData("[::1]")]
    public async Task In_production_mode_a_connection_to_a_loopback_address_is_refused_at_request_time(string host)
    {
        var port = new Uri(_receiver.BaseUrl()).Port;

        var result = await Poster(allowLoopback: false).PostAsync(
            $"http://{host}:{port}/hook", Secret, "msg_1", "{}"u8.ToArray(), TimeSpan.FromSeconds(5), null, CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.Null(result.Status);
        Assert.Contains("Refused to connect", result.Error);
        Assert.Empty(_received);
    }

    [Fact]
    public async Task A_link_local_metadata_address_is_refused_without_a_connection_attempt()
    {
        var result = await Poster(allowLoopback: true).PostAsync(
            "http://169.254.169.254/latest/meta-data", Secret, "msg_1", "{}"u8.ToArray(), TimeSpan.FromSeconds(5), null, CancellationToken.None);

        Assert.Contains("Refused to connect", result.Error);
    }

    [Fact]
    public async Task In_a_local_run_a_loopback_receiver_gets_the_body_signed_per_standard_webhooks()
    {
        var body = Encoding.UTF8.GetBytes("{\"callId\":\"c-1\"}");

        var result = await Poster(allowLoopback: true).PostAsync(
            _receiver.BaseUrl() + "/hook", Secret, "msg_2", body, TimeSpan.FromSeconds(5),
            new Dictionary<string, string> { ["Idempotency-Key"] = "k-1" }, CancellationToken.None);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal((int)HttpStatusCode.OK, result.Status);
        var (id, timestamp, signature, received) = Assert.Single(_received);
        Assert.Equal("msg_2", id);
        Assert.Equal("{\"callId\":\"c-1\"}", received);
        Assert.True(StandardWebhook.Verify(Secret, id, timestamp, signature, Encoding.UTF8.GetBytes(received), DateTimeOffset.UtcNow));
    }
}
