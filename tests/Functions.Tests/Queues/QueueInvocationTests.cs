using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AgentOS.Voice.Functions.Queues;
using AgentOS.Voice.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace AgentOS.Voice.Functions.Tests.Queues;

/// <summary>The Functions host's side of a queue trigger: POST /{FunctionName} with the host-shaped payload.</summary>
public sealed class QueueInvocationTests : IClassFixture<AzuriteFixture>, IDisposable
{
    private readonly HandlerLog _log = new();
    private readonly FunctionsAppFactory _app;
    private readonly HttpClient _host;

    public QueueInvocationTests(AzuriteFixture azurite)
    {
        _app = new FunctionsAppFactory(azurite.ConnectionString, "invoke",
            new Dictionary<string, string> { ["Functions:HostInvocation"] = "true" },
            services => services.AddSingleton(_log).AddQueueFunction<RecordingHandler>("TestJob", "test-jobs", "job"));
        _host = _app.CreateClient();
    }

    public void Dispose()
    {
        _host.Dispose();
        _app.Dispose();
    }

    /// <summary>Posts as the host does: PascalCase names exactly as written, not the web defaults' camelCase.</summary>
    private static Task<HttpResponseMessage> PostAsHost(HttpClient client, object payload) =>
        client.PostAsync("/TestJob", JsonContent.Create(payload, options: new JsonSerializerOptions()));

    private static object Payload(string text, int dequeueCount) => new
    {
        Data = new { job = text },
        Metadata = new
        {
            DequeueCount = dequeueCount,
            ExpirationTime = "2026-03-08T09:00:00+00:00",
            Id = "7c1f0f52-3f3a-4a4b-9d55-0b9b5d1d2c11",
            InsertionTime = "2026-03-01T09:00:00+00:00",
            NextVisibleTime = "2026-03-01T09:10:00+00:00",
            PopReceipt = "AgAAAAMAAAAAAAAA",
            sys = new { MethodName = "TestJob", UtcNow = "2026-03-01T09:00:01Z", RandGuid = "5b1a7f43-1df3-4b7e-9a0d-8d2d1b3c5e6f" },
        },
    };

    [Fact]
    public async Task A_handled_message_answers_200_with_the_hosts_response_shape()
    {
        var response = await PostAsHost(_host, Payload("{\"callId\":\"c1\"}", 1));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(JsonValueKind.Object, body.GetProperty("Outputs").ValueKind);
        Assert.Equal(JsonValueKind.Array, body.GetProperty("Logs").ValueKind);
        Assert.Equal(JsonValueKind.Null, body.GetProperty("ReturnValue").ValueKind);

        var attempt = Assert.Single(_log.Attempts);
        Assert.Equal("{\"callId\":\"c1\"}", attempt.MessageText);
        Assert.Equal("7c1f0f52-3f3a-4a4b-9d55-0b9b5d1d2c11", attempt.Id);
        Assert.Equal(1, attempt.DequeueCount);
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero), attempt.InsertionTime);
        Assert.Equal("test-jobs", attempt.QueueName);
    }

    [Fact]
    public async Task A_failing_handler_answers_500_with_the_reason_and_is_not_poisoned_early()
    {
        var response = await PostAsHost(_host, Payload("fail please", 4));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Contains("cannot do 'fail please'", await response.Content.ReadAsStringAsync());
        Assert.Single(_log.Attempts);
        Assert.Empty(_log.Poisoned);
    }

    [Fact]
    public async Task The_last_allowed_attempt_tells_the_handler_why_before_answering_failure()
    {
        var response = await PostAsHost(_host, Payload("fail for good", 5));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var (message, reason) = Assert.Single(_log.Poisoned);
        Assert.Equal("fail for good", message.MessageText);
        Assert.Contains("cannot do 'fail for good'", reason);
    }

    [Fact]
    public async Task A_payload_without_the_binding_is_refused_without_calling_the_handler()
    {
        var response = await PostAsHost(_host, new { Data = new { other = "x" }, Metadata = new { DequeueCount = 1 } });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(_log.Attempts);
    }

    [Fact]
    public async Task Without_the_host_the_invocation_route_is_not_served()
    {
        await using var local = _app.WithWebHostBuilder(b => b.UseSetting("Functions:HostInvocation", "false"));
        using var client = local.CreateClient();

        var response = await PostAsHost(client, Payload("hello", 1));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Empty(_log.Attempts);
    }
}
