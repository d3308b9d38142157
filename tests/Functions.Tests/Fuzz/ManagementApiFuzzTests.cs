using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentOS.Voice.Functions.Tests.Calls;
using AgentOS.Voice.TestSupport;
using AgentOS.Voice.TestSupport.Fuzz;

namespace AgentOS.Voice.Functions.Tests.Fuzz;

/// <summary>
/// Thousands of mutated JSON bodies (from valid ones) into the management API's writes on the real app: agents
/// created and replaced, messages, outbound calls. Each is a 2xx or a 4xx with a problem body naming what is wrong;
/// never a 5xx. The seed and the case are in every failure.
/// </summary>
public sealed class ManagementApiFuzzTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private const int Cases = 2000;

    private readonly FuzzCorpus _corpus = new();
    private LiveCallTestApp _t = null!;
    private HttpClient _api = null!;

    public async Task InitializeAsync()
    {
        _t = await LiveCallTestApp.StartAsync(azurite);
        _api = _t.App.CreateManagementClient();
    }

    public async Task DisposeAsync()
    {
        _api.Dispose();
        await _t.DisposeAsync();
    }

    private static JsonObject Agent(string id) => new()
    {
        ["id"] = id,
        ["name"] = "Front desk",
        ["phoneNumber"] = "+14155550100",
        ["transferNumber"] = "+14155550199",
        ["greeting"] = "Hello {name}, this is the front desk.",
        ["llm"] = new JsonObject { ["provider"] = "scripted", ["model"] = "scripted" },
        ["dtmfMenu"] = new JsonObject { ["0"] = new JsonObject { ["kind"] = "Handoff" }, ["1"] = new JsonObject { ["kind"] = "Say", ["text"] = "We open at nine." } },
        ["recording"] = "OnRequest",
        ["script"] = new JsonArray(new JsonObject { ["whenCallerSays"] = "human", ["reply"] = "Connecting you.", ["tool"] = "handoff" }),
    };

    [Fact]
    public async Task Mutated_bodies_get_a_2xx_or_a_4xx_problem_never_a_5xx()
    {
        var agent = await _t.AddAgentAsync();
        // Due tomorrow, so an accepted message places no call while the test runs.
        var message = new JsonObject
        {
            ["to"] = "+14155550123", ["text"] = "Your table is ready.", ["sendAt"] = DateTimeOffset.UtcNow.AddDays(1).ToString("O"),
            ["idempotencyKey"] = "k-1", ["record"] = false, ["voice"] = "en-us",
        };
        var call = new JsonObject { ["to"] = "+14155550123", ["context"] = new JsonObject { ["name"] = "Ada", ["appointment"] = "Tuesday 10:00" } };
        (HttpMethod Method, string Path, JsonObject Valid)[] writes =
        [
            (HttpMethod.Post, "/api/agents", Agent("fuzz-new")),
            (HttpMethod.Put, $"/api/agents/{agent.Id}", Agent(agent.Id)),
            (HttpMethod.Post, $"/api/agents/{agent.Id}/messages", message),
            (HttpMethod.Post, $"/api/agents/{agent.Id}/calls", call),
        ];

        for (var i = 0; i < Cases; i++)
        {
            var (method, path, valid) = writes[_corpus.Random.Next(writes.Length)];
            var fuzz = _corpus.Mutate(valid);
            var what = $"FUZZ_SEED={_corpus.Seed} {method} {path} {fuzz}";
            var content = new ByteArrayContent(fuzz.Body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await _api.SendAsync(new HttpRequestMessage(method, path) { Content = content });
            var status = (int)response.StatusCode;
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(status < 500, $"{what}\n-> {status} {body}");
            if (status >= 400)
            {
                Assert.True(response.Content.Headers.ContentType?.MediaType == "application/problem+json", $"{what}\n-> {status} as {response.Content.Headers.ContentType}: {body}");
                Assert.True(JsonDocument.Parse(body).RootElement.TryGetProperty("title", out _), $"{what}\n-> {status} without a title: {body}");
            }
        }

        using var read = await _api.GetAsync($"/api/agents/{agent.Id}");
        Assert.True(read.IsSuccessStatusCode, $"the agent is still served: {(int)read.StatusCode}");
    }
}
