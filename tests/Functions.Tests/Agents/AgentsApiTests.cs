using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AgentOS.Voice.TestSupport;

namespace AgentOS.Voice.Functions.Tests.Agents;

public sealed class AgentsApiTests : IClassFixture<AzuriteFixture>, IDisposable
{
    private readonly FunctionsAppFactory _app;
    private readonly HttpClient _client;

    public AgentsApiTests(AzuriteFixture azurite)
    {
        _app = new FunctionsAppFactory(azurite.ConnectionString, "agentsapi");
        _client = _app.CreateManagementClient();
    }

    public void Dispose()
    {
        _client.Dispose();
        _app.Dispose();
    }

    /// <summary>The body as JSON with one piece of its text replaced, for input a serializer would not write.</summary>
    private static StringContent Edited(object body, string find, string replacement) =>
        new(JsonSerializer.Serialize(body, JsonSerializerOptions.Web).Replace(find, replacement, StringComparison.Ordinal), System.Text.Encoding.UTF8, "application/json");

    private static object AgentBody(string id, string name = "Front desk") => new
    {
        id,
        name,
        phoneNumber = "+14155550100",
        transferNumber = "+14155550199",
        llm = new { provider = "scripted", model = "scripted" },
        dtmfMenu = new Dictionary<string, object> { ["0"] = new { kind = "Handoff" }, ["1"] = new { kind = "Say", text = "We open at nine." } },
        recording = "Always",
        script = new[] { new { whenCallerSays = "human", reply = "Connecting you.", tool = "handoff" } },
    };

    [Fact]
    public async Task Create_read_list_update_delete_round_trip()
    {
        var created = await _client.PostAsJsonAsync("/api/agents", AgentBody("round-trip"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("/api/agents/round-trip", created.Headers.Location?.OriginalString);

        var read = await _client.GetFromJsonAsync<JsonElement>(created.Headers.Location);
        Assert.Equal("Front desk", read.GetProperty("name").GetString());
        Assert.Equal("Always", read.GetProperty("recording").GetString());
        Assert.Equal("Say", read.GetProperty("dtmfMenu").GetProperty("1").GetProperty("kind").GetString());
        Assert.Equal("handoff", read.GetProperty("script")[0].GetProperty("tool").GetString());

        var list = await _client.GetFromJsonAsync<JsonElement>("/api/agents");
        Assert.Contains(list.EnumerateArray(), a => a.GetProperty("id").GetString() == "round-trip");

        var updated = await _client.PutAsJsonAsync("/api/agents/round-trip", AgentBody("round-trip", "Night desk"));
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        var reread = await _client.GetFromJsonAsync<JsonElement>("/api/agents/round-trip");
        Assert.Equal("Night desk", reread.GetProperty("name").GetString());
        Assert.Equal(read.GetProperty("createdAt").GetString(), reread.GetProperty("createdAt").GetString());

        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync("/api/agents/round-trip")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/api/agents/round-trip")).StatusCode);
    }

    [Fact]
    public async Task Put_without_an_id_in_the_body_takes_the_urls()
    {
        await _client.PostAsJsonAsync("/api/agents", AgentBody("put-no-id"));

        var response = await _client.PutAsJsonAsync("/api/agents/put-no-id", new { name = "Renamed", phoneNumber = "+14155550100" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Renamed", (await _client.GetFromJsonAsync<JsonElement>("/api/agents/put-no-id")).GetProperty("name").GetString());
    }

    [Fact]
    public async Task An_agent_with_several_bad_fields_gets_one_400_naming_each_and_nothing_is_stored()
    {
        var response = await _client.PostAsJsonAsync("/api/agents", new
        {
            id = "Not A Slug",
            phoneNumber = "555-0100",
            transferNumber = "+1",
            language = "english please",
            llm = new { provider = "gpt-9000", model = "" },
            ttsProvider = "Polly",
            dtmfMenu = new Dictionary<string, object> { ["12"] = new { kind = "End" }, ["5"] = new { kind = "Say" } },
            script = new[] { new { reply = "", tool = "launch_rockets" } },
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        foreach (var field in new[]
                 {
                     "id", "name", "phoneNumber", "transferNumber", "language", "llm.provider", "llm.model", "ttsProvider",
                     "dtmfMenu.12", "dtmfMenu.5.text", "script[0].reply", "script[0].tool",
                 })
        {
            Assert.True(errors.TryGetProperty(field, out var messages) && messages.GetArrayLength() > 0, $"errors should name {field}: {errors}");
        }

        Assert.DoesNotContain((await _client.GetFromJsonAsync<JsonElement>("/api/agents")).EnumerateArray(),
            a => a.GetProperty("phoneNumber").GetString() == "555-0100");
    }

    [Fact]
    public async Task An_agent_on_a_provider_without_its_key_is_refused_at_create_and_update_naming_the_setting()
    {
        // The test app configures no model provider's key; the local run (Development) has the scripted model.
        var onOpenAI = Edited(AgentBody("no-key"), "\"provider\":\"scripted\"", "\"provider\":\"openai\"");

        var created = await _client.PostAsync("/api/agents", onOpenAI);
        Assert.Equal(HttpStatusCode.BadRequest, created.StatusCode);
        var errors = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.Equal("LLM provider 'openai' is not configured here: set Llm:OpenAI:ApiKey.", errors.GetProperty("llm.provider")[0].GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/api/agents/no-key")).StatusCode);

        Assert.Equal(HttpStatusCode.Created, (await _client.PostAsJsonAsync("/api/agents", AgentBody("no-key"))).StatusCode);
        var updated = await _client.PutAsync("/api/agents/no-key",
            Edited(AgentBody("no-key"), "\"provider\":\"scripted\"", "\"provider\":\"anthropic\""));
        Assert.Equal(HttpStatusCode.BadRequest, updated.StatusCode);
        Assert.Contains("Llm:Anthropic:ApiKey", await updated.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("scripted", (await _client.GetFromJsonAsync<JsonElement>("/api/agents/no-key")).GetProperty("llm").GetProperty("provider").GetString());
    }

    [Fact]
    public async Task Unreadable_values_and_unknown_fields_are_400s_naming_the_field()
    {
        var badEnum = await _client.PostAsJsonAsync("/api/agents", new { id = "bad-enum", dtmfMenu = new Dictionary<string, object> { ["5"] = new { kind = "Dance" } } });
        var unknown = await _client.PostAsJsonAsync("/api/agents", new { id = "typo", phonenumbr = "+14155550100" });

        Assert.Equal(HttpStatusCode.BadRequest, badEnum.StatusCode);
        Assert.True((await badEnum.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("dtmfMenu.5.kind", out _));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("phonenumbr", await unknown.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_control_character_in_a_greeting_or_menu_text_is_a_400_naming_the_field_and_stores_nothing()
    {
        var greeting = await _client.PostAsync("/api/agents", Edited(AgentBody("ctl-greeting"), "\"name\":", "\"greeting\":\"Hi\\u0001\",\"name\":"));
        var menu = await _client.PostAsync("/api/agents", Edited(AgentBody("ctl-menu"), "We open at nine.", "We open\\uFFFE at nine."));

        Assert.Equal(HttpStatusCode.BadRequest, greeting.StatusCode);
        Assert.True((await greeting.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("greeting", out _));
        Assert.Equal(HttpStatusCode.BadRequest, menu.StatusCode);
        Assert.True((await menu.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("dtmfMenu.1.text", out _));
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/api/agents/ctl-greeting")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/api/agents/ctl-menu")).StatusCode);
    }

    [Fact]
    public async Task A_duplicate_member_is_a_400_and_stores_nothing()
    {
        var response = await _client.PostAsync("/api/agents", Edited(AgentBody("dup-member"), "\"name\":", "\"phoneNumber\":\"+14155550111\",\"name\":"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("phoneNumber", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/api/agents/dup-member")).StatusCode);
    }

    [Fact]
    public async Task Put_with_a_different_id_in_the_body_is_refused()
    {
        await _client.PostAsJsonAsync("/api/agents", AgentBody("keep-id"));

        var response = await _client.PutAsJsonAsync("/api/agents/keep-id", AgentBody("other-id"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("id", out _));
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/api/agents/other-id")).StatusCode);
    }

    [Fact]
    public async Task Unknown_agents_are_404_problem_details()
    {
        var responses = new[]
        {
            await _client.GetAsync("/api/agents/nobody-here"),
            await _client.PutAsJsonAsync("/api/agents/nobody-here", AgentBody("nobody-here")),
            await _client.DeleteAsync("/api/agents/nobody-here"),
        };

        foreach (var response in responses)
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(404, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetInt32());
        }

        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/api/agents/nobody-here")).StatusCode);
    }

    [Fact]
    public async Task A_taken_id_is_409_and_the_first_agent_stays()
    {
        Assert.Equal(HttpStatusCode.Created, (await _client.PostAsJsonAsync("/api/agents", AgentBody("taken"))).StatusCode);

        var second = await _client.PostAsJsonAsync("/api/agents", AgentBody("taken", "Impostor"));

        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Equal("application/problem+json", second.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Front desk", (await _client.GetFromJsonAsync<JsonElement>("/api/agents/taken")).GetProperty("name").GetString());
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("x-api-key", "wrong-key-wrong-key-wrong")]
    [InlineData("x-api-key", "")]
    [InlineData("x-functions-key", "test-management-key-012345678")]
    public async Task Without_a_valid_key_every_management_call_is_401_and_changes_nothing(string? header, string? key)
    {
        using var client = _app.CreateClient();
        if (header is not null)
        {
            client.DefaultRequestHeaders.Add(header, key);
        }

        var responses = new[]
        {
            await client.GetAsync("/api/agents"),
            await client.PostAsJsonAsync("/api/agents", AgentBody("sneaky")),
            await client.DeleteAsync("/api/agents/sneaky"),
        };

        foreach (var response in responses)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/api/agents/sneaky")).StatusCode);
    }

    [Fact]
    public async Task The_functions_key_header_is_accepted_too()
    {
        using var client = _app.CreateClient();
        client.DefaultRequestHeaders.Add("x-functions-key", FunctionsAppFactory.ApiKey);

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/agents")).StatusCode);
    }

    [Fact]
    public async Task The_webhook_secret_is_read_and_rotated_apart_from_the_agent_json()
    {
        await _client.PostAsJsonAsync("/api/agents", AgentBody("secret-owner"));

        var first = (await _client.GetFromJsonAsync<JsonElement>("/api/agents/secret-owner/webhook-secret")).GetProperty("secret").GetString()!;
        using var rotate = await _client.PostAsync("/api/agents/secret-owner/webhook-secret", null);
        var rotated = (await rotate.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("secret").GetString()!;
        var reread = (await _client.GetFromJsonAsync<JsonElement>("/api/agents/secret-owner/webhook-secret")).GetProperty("secret").GetString()!;

        Assert.StartsWith("whsec_", first);
        Assert.Equal(HttpStatusCode.OK, rotate.StatusCode);
        Assert.NotEqual(first, rotated);
        Assert.Equal(rotated, reread);
        Assert.DoesNotContain("whsec_", await _client.GetStringAsync("/api/agents/secret-owner"));
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/api/agents/nobody/webhook-secret")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.PostAsync("/api/agents/nobody/webhook-secret", null)).StatusCode);
    }
}
