using System.Net;
using System.Text.Json;
using AgentOS.Voice.Simulator.Tests.Support;

namespace AgentOS.Voice.Simulator.Tests;

public sealed class RestApiTests
{
    [Theory]
    [InlineData(Harness.AccountSid, "wrong-token")]
    [InlineData(Harness.ApiKeySid, "wrong-secret")]
    [InlineData("", "")]
    public async Task Create_call_with_bad_credentials_is_401_with_twilio_error_json_and_creates_nothing(string user, string password)
    {
        await using var h = await Harness.StartAsync();
        using var client = new HttpClient { BaseAddress = new Uri(h.Simulator.BaseUrl) };
        client.DefaultRequestHeaders.Authorization = Harness.Basic(user, password);

        using var response = await client.PostAsync(h.CallsPath, Harness.Form(("To", Harness.PersonNumber), ("From", Harness.AgentNumber), ("Twiml", "<Response/>")));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(20003, error.GetProperty("code").GetInt32());
        Assert.Equal(401, error.GetProperty("status").GetInt32());
        Assert.StartsWith("https://www.twilio.com/docs/errors/20003", error.GetProperty("more_info").GetString());
        Assert.Empty(h.Simulator.Calls);
    }

    [Fact]
    public async Task Create_call_with_the_api_key_pair_returns_the_twilio_call_resource()
    {
        await using var h = await Harness.StartAsync();
        using var client = new HttpClient { BaseAddress = new Uri(h.Simulator.BaseUrl) };
        client.DefaultRequestHeaders.Authorization = Harness.Basic(Harness.ApiKeySid, Harness.ApiKeySecret);

        using var response = await client.PostAsync(h.CallsPath, Harness.Form(("To", Harness.PersonNumber), ("From", Harness.AgentNumber), ("Twiml", "<Response/>")));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var call = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Matches("^CA[0-9a-f]{32}$", call.GetProperty("sid").GetString());
        Assert.Equal(Harness.AccountSid, call.GetProperty("account_sid").GetString());
        Assert.Equal(Harness.PersonNumber, call.GetProperty("to").GetString());
        Assert.Equal(Harness.AgentNumber, call.GetProperty("from").GetString());
        Assert.Equal("queued", call.GetProperty("status").GetString());
        Assert.Equal("outbound-api", call.GetProperty("direction").GetString());
        Assert.Equal("2010-04-01", call.GetProperty("api_version").GetString());
        Assert.Equal($"/2010-04-01/Accounts/{Harness.AccountSid}/Calls/{call.GetProperty("sid").GetString()}.json", call.GetProperty("uri").GetString());
        Assert.True(DateTimeOffset.TryParse(call.GetProperty("date_created").GetString(), out _));
    }

    [Theory]
    [InlineData("5551234", "<Response/>", null, 21211)]
    [InlineData(Harness.AgentNumber, "<Response/>", null, 21211)]
    [InlineData(Harness.PersonNumber, null, null, 21205)]
    [InlineData(Harness.PersonNumber, "<Response/>", "https://app.example/voice", 21205)]
    public async Task Create_call_with_bad_parameters_is_400_with_the_twilio_code(string to, string? twiml, string? url, int code)
    {
        await using var h = await Harness.StartAsync();
        var fields = new List<(string, string)> { ("To", to), ("From", Harness.AgentNumber) };
        if (twiml is not null) fields.Add(("Twiml", twiml));
        if (url is not null) fields.Add(("Url", url));

        using var response = await h.Rest.PostAsync(h.CallsPath, Harness.Form([.. fields]));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(code, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("code").GetInt32());
        Assert.Empty(h.Simulator.Calls);
    }

    [Fact]
    public async Task Unknown_calls_are_404_with_code_20404()
    {
        await using var h = await Harness.StartAsync();
        var error = await h.PostCallUpdateAsync("CA00000000000000000000000000000000", HttpStatusCode.NotFound, ("Status", "completed"));
        Assert.Equal(20404, error.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task The_call_log_is_served_as_json_for_people()
    {
        await using var h = await Harness.StartAsync();
        var sid = await h.CreateCallAsync(Harness.PersonNumber, ("Twiml", "<Response><Say>Hi</Say><Bogus/></Response>"));
        await h.Simulator.WaitForStatusAsync(sid, "completed", Harness.Timeout);
        using var client = new HttpClient { BaseAddress = new Uri(h.Simulator.BaseUrl) };

        var list = JsonDocument.Parse(await client.GetStringAsync("/sim/calls")).RootElement;
        var one = JsonDocument.Parse(await client.GetStringAsync($"/sim/calls/{sid}")).RootElement;

        Assert.Equal(sid, list[0].GetProperty("sid").GetString());
        Assert.Contains(list[0].GetProperty("log").EnumerateArray(), line => line.GetString()!.Contains("unknown TwiML verb <Bogus>"));
        Assert.Contains(one.GetProperty("events").EnumerateArray(), e => e.GetProperty("kind").GetString() == "verb");
    }
}
