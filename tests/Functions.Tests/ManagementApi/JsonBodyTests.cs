using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AgentOS.Voice.Functions.Tests.Calls;
using AgentOS.Voice.TestSupport;

namespace AgentOS.Voice.Functions.Tests.ManagementApi;

/// <summary>The management API's JSON bodies on the real app: media type (415), size (413), a reused idempotency key (409).</summary>
public sealed class JsonBodyTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
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

    public static TheoryData<string?, string> NotJson() => new()
    {
        { "text/plain", Encoding.UTF8.WebName },
        { "application/x-www-form-urlencoded", Encoding.UTF8.WebName },
        { "application/xml", Encoding.UTF8.WebName },
        { null, Encoding.UTF8.WebName },
        { "application/json; charset=utf-16", Encoding.Unicode.WebName },
    };

    [Theory]
    [MemberData(nameof(NotJson))]
    public async Task A_body_not_sent_as_UTF8_JSON_is_415_and_nothing_is_created(string? contentType, string encoding)
    {
        var agent = await _t.AddAgentAsync();
        var json = JsonSerializer.Serialize(new { to = "+14155550100", text = "Hello" });
        var content = new ByteArrayContent(Encoding.GetEncoding(encoding).GetBytes(json));
        if (contentType is not null)
        {
            content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        foreach (var path in new[] { $"/api/agents/{agent.Id}/messages", $"/api/agents/{agent.Id}/calls", "/api/agents" })
        {
            using var response = await _api.PostAsync(path, content);

            Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Contains("application/json", problem.GetProperty("title").GetString(), StringComparison.Ordinal);
        }

        using var list = await _api.GetFromJsonAsync<JsonDocument>($"/api/agents/{agent.Id}/messages");
        Assert.Equal(0, list!.RootElement.GetProperty("items").GetArrayLength());
        Assert.Empty(_t.Twilio.Created);
    }

    [Fact]
    public async Task A_json_media_type_with_parameters_or_a_json_suffix_is_accepted()
    {
        var agent = await _t.AddAgentAsync();

        foreach (var type in new[] { "application/json; charset=utf-8", "Application/JSON", "application/problem+json" })
        {
            var content = new StringContent(JsonSerializer.Serialize(new { to = "+14155550100", text = $"Hello {type}" }));
            content.Headers.Remove("Content-Type");
            content.Headers.TryAddWithoutValidation("Content-Type", type);
            using var response = await _api.PostAsync($"/api/agents/{agent.Id}/messages", content);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }
    }

    [Fact]
    public async Task A_body_over_the_limit_is_413_with_or_without_a_content_length()
    {
        var agent = await _t.AddAgentAsync();
        var big = JsonSerializer.Serialize(new { to = "+14155550100", text = new string('a', 70 * 1024) });

        using var sized = await _api.PostAsync($"/api/agents/{agent.Id}/messages", new StringContent(big, Encoding.UTF8, "application/json"));
        var chunked = new StreamContent(new NoLengthStream(Encoding.UTF8.GetBytes(big)));
        chunked.Headers.ContentType = new("application/json");
        using var streamed = await _api.PostAsync($"/api/agents/{agent.Id}/calls", chunked);

        Assert.Equal((HttpStatusCode.RequestEntityTooLarge, HttpStatusCode.RequestEntityTooLarge), (sized.StatusCode, streamed.StatusCode));
        var problem = await sized.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("65536 bytes", problem.GetProperty("title").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_idempotency_key_reused_for_another_message_is_409_and_the_first_stands()
    {
        var agent = await _t.AddAgentAsync();
        var first = new { to = "+14155550100", text = "Your appointment is at nine.", idempotencyKey = "appt-1" };

        using var accepted = await _api.PostAsJsonAsync($"/api/agents/{agent.Id}/messages", first);
        using var repeated = await _api.PostAsJsonAsync($"/api/agents/{agent.Id}/messages", first);
        using var other = await _api.PostAsJsonAsync($"/api/agents/{agent.Id}/messages", first with { to = "+14155550111" });

        Assert.Equal((HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.Conflict), (accepted.StatusCode, repeated.StatusCode, other.StatusCode));
        var id = (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        Assert.Equal(id, (await repeated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString());
        var problem = await other.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("different to", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains(id!, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_body_that_is_not_UTF8_is_400_naming_the_byte_and_nothing_is_created()
    {
        var agent = await _t.AddAgentAsync();
        // A lone 0xFF inside a string value: it parses as JSON, but no UTF-16 string can hold it.
        var body = Encoding.UTF8.GetBytes("{\"to\":\"+14155550100\",\"text\":\"Hi\"}").ToList();
        body.Insert(7, 0xFF);

        foreach (var path in new[] { $"/api/agents/{agent.Id}/messages", $"/api/agents/{agent.Id}/calls", "/api/agents", $"/api/agents/{agent.Id}" })
        {
            var content = new ByteArrayContent([.. body]);
            content.Headers.ContentType = new("application/json");
            var method = path == $"/api/agents/{agent.Id}" ? HttpMethod.Put : HttpMethod.Post;
            using var response = await _api.SendAsync(new HttpRequestMessage(method, path) { Content = content });

            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Contains("UTF-8", problem.GetProperty("title").GetString(), StringComparison.Ordinal);
            Assert.Contains("byte 7", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        using var list = await _api.GetFromJsonAsync<JsonDocument>($"/api/agents/{agent.Id}/messages");
        Assert.Equal(0, list!.RootElement.GetProperty("items").GetArrayLength());
        Assert.Empty(_t.Twilio.Created);
    }

    /// <summary>A body whose length is not known up front, so it is sent chunked with no Content-Length.</summary>
    private sealed class NoLengthStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
