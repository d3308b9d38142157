using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AgentOS.Voice.FunctionsRunner;
using AgentOS.Voice.Simulator;
using AgentOS.Voice.TestSupport;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace AgentOS.Voice.EndToEnd.Tests.Messages;

/// <summary>
/// The real Functions app, served by the local Functions runner on a real Kestrel port (queue triggers included), with the phone simulator as Twilio and a
/// test's own Azurite and name prefix. Espeak-ng renders speech unless the settings configure ElevenLabs.
/// </summary>
// Any public type of the Functions assembly names it; Program would be ambiguous beside RelayHost's.
public sealed class MessagesApp : WebApplicationFactory<LocalFunctionsHost>
{
    public const string ApiKey = "e2e-management-key-0123456789";

    private readonly Dictionary<string, string> _settings;

    private MessagesApp(Dictionary<string, string> settings, int port)
    {
        _settings = settings;
        Port = port;
        UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
    }

    public int Port { get; }

    public string BaseUrl => $"http://127.0.0.1:{Port}";

    public HttpClient Api { get; private set; } = null!;

    public static MessagesApp Start(AzuriteFixture azurite, PhoneSimulator simulator, string prefix, IReadOnlyDictionary<string, string>? extra = null)
    {
        var port = FreePort.Next();
        var settings = new Dictionary<string, string>
        {
            ["Storage:ConnectionString"] = azurite.ConnectionString,
            ["Storage:NamePrefix"] = prefix,
            ["ManagementApi:ApiKeys:0"] = ApiKey,
            ["Twilio:AccountSid"] = simulator.AccountSid,
            ["Twilio:AuthToken"] = simulator.Options.AuthToken,
            ["Twilio:ApiBaseUrl"] = simulator.BaseUrl,
            ["Twilio:CallsPerSecond"] = "200",
            ["PublicUrls:FunctionsBaseUrl"] = $"http://127.0.0.1:{port}",
            // host.json's queue settings, overridden as app settings override them for the Functions host.
            ["AzureFunctionsJobHost:extensions:queues:visibilityTimeout"] = "00:00:00.200",
            ["AzureFunctionsJobHost:extensions:queues:maxPollingInterval"] = "00:00:00.200",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }

        var app = new MessagesApp(settings, port);
        app.StartServer();
        app.Api = new HttpClient { BaseAddress = new Uri(app.BaseUrl) };
        app.Api.DefaultRequestHeaders.Add("x-api-key", ApiKey);
        return app;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
    }

    public async Task CreateAgentAsync(string agentId, string phoneNumber, string recording = "OnRequest")
    {
        using var response = await Api.PostAsJsonAsync("/api/agents", new { id = agentId, name = agentId, phoneNumber, recording, voice = "en-us" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    public async Task<JsonElement> SendAsync(string agentId, object body, HttpStatusCode expected = HttpStatusCode.Accepted)
    {
        using var response = await Api.PostAsJsonAsync($"/api/agents/{agentId}/messages", body);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(expected == response.StatusCode, $"Expected {expected}, got {response.StatusCode}: {json}");
        return json;
    }

    public async Task<JsonElement> GetMessageAsync(string agentId, string messageId)
    {
        using var response = await Api.GetAsync($"/api/agents/{agentId}/messages/{messageId}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>Polls the record until its state is <paramref name="state"/>; fails with the record when time runs out.</summary>
    public async Task<JsonElement> WaitForStateAsync(string agentId, string messageId, string state, int timeoutSeconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (true)
        {
            // A producer's job creates its record only when it is handled: not found yet is not a failure.
            using var response = await Api.GetAsync($"/api/agents/{agentId}/messages/{messageId}");
            var message = await response.Content.ReadFromJsonAsync<JsonElement>();
            if (response.StatusCode == HttpStatusCode.OK && message.GetProperty("state").GetString() == state)
            {
                return message;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Message {messageId} never reached {state}: {response.StatusCode} {message}");
            }

            await Task.Delay(100);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        Api?.Dispose();
        await base.DisposeAsync();
    }
}

public static class MessageJson
{
    public static string State(this JsonElement message) => message.GetProperty("state").GetString()!;

    public static string Id(this JsonElement message) => message.GetProperty("id").GetString()!;

    public static string? String(this JsonElement message, string name) =>
        message.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public static IReadOnlyList<string> HistoryStates(this JsonElement message) =>
        message.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("state").GetString()!).Distinct().ToList();
}
