using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace AgentOS.Voice.Simulator.Tests.Support;

/// <summary>A started simulator, a started fake app, and a REST client authenticated as the account.</summary>
public sealed class Harness : IAsyncDisposable
{
    public const string AccountSid = "AC0123456789abcdef0123456789abcdef";
    public const string AuthToken = "test-auth-token-4f1c";
    public const string ApiKeySid = "SK0123456789abcdef0123456789abcdef";
    public const string ApiKeySecret = "api-key-secret";
    public const string AgentNumber = "+15550100000";
    public const string PersonNumber = "+15550100001";
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private Harness(PhoneSimulator simulator, FakeApp app)
    {
        Simulator = simulator;
        App = app;
        Rest = new HttpClient { BaseAddress = new Uri(simulator.BaseUrl) };
        Rest.DefaultRequestHeaders.Authorization = Basic(AccountSid, AuthToken);
    }

    public PhoneSimulator Simulator { get; }
    public FakeApp App { get; }
    public HttpClient Rest { get; }
    public string CallsPath => $"/2010-04-01/Accounts/{AccountSid}/Calls.json";

    public static async Task<Harness> StartAsync(double timeScale = 0.01, Action<PhoneSimulatorOptions>? configure = null)
    {
        var options = new PhoneSimulatorOptions
        {
            AccountSid = AccountSid,
            AuthToken = AuthToken,
            ApiKeySid = ApiKeySid,
            ApiKeySecret = ApiKeySecret,
            TimeScale = timeScale,
        };
        configure?.Invoke(options);
        var simulator = new PhoneSimulator(options);
        await simulator.StartAsync();
        var app = await FakeApp.StartAsync(AuthToken);
        return new Harness(simulator, app);
    }

    public static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

    public static FormUrlEncodedContent Form(params (string Name, string Value)[] fields) =>
        new(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)));

    /// <summary>Creates a call through the REST API and returns its sid.</summary>
    public async Task<string> CreateCallAsync(string to, params (string Name, string Value)[] fields)
    {
        using var response = await Rest.PostAsync(CallsPath, Form([("To", to), ("From", AgentNumber), .. fields]));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("sid").GetString()!;
    }

    public async Task<JsonElement> PostCallUpdateAsync(string callSid, System.Net.HttpStatusCode expected, params (string Name, string Value)[] fields)
    {
        using var response = await Rest.PostAsync($"/2010-04-01/Accounts/{AccountSid}/Calls/{callSid}.json", Form(fields));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        Rest.Dispose();
        await Simulator.DisposeAsync();
        await App.DisposeAsync();
    }
}
