using System.Text.Json;
using AgentOS.Voice.Agents;
using AgentOS.Voice.Webhooks;

namespace AgentOS.Voice.Core.Tests.Agents;

public class AgentValidatorEndpointsTests
{
    private static readonly JsonElement SlotParameters = Json("""{"type":"object","properties":{"time":{"type":"string"}},"required":["time"]}""");

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    private static Agent WithTools(params AgentTool[] tools) => new()
    {
        Id = "front-desk",
        Name = "Front desk",
        PhoneNumber = "+14155550100",
        Tools = tools,
    };

    private static AgentTool Tool(string name = "book_slot", string url = "https://clinic.example/tools/book", JsonElement? parameters = null, int timeout = 5) =>
        new() { Name = name, Description = "Books a slot.", Parameters = parameters ?? SlotParameters, Url = url, TimeoutSeconds = timeout };

    [Fact]
    public void Tools_an_outcome_schema_and_a_webhook_on_public_https_are_valid()
    {
        var agent = WithTools(Tool(), Tool("lookup_slots")) with
        {
            OutcomeSchema = Json("""{"type":"object","properties":{"confirmed":{"type":"boolean"},"newTime":{"type":["string","null"]}}}"""),
            OutcomeWebhookUrl = "https://clinic.example/hooks/outcomes",
            Script = [new ScriptStep("book", "Booking.", "book_slot")],
        };

        Assert.Empty(AgentValidator.Validate(agent));
    }

    [Fact]
    public void Every_tool_problem_is_reported_under_its_field()
    {
        var agent = WithTools(
            Tool("handoff"),
            Tool("bad name!", url: "http://clinic.example/x", parameters: Json("""{"type":"string"}"""), timeout: 11),
            Tool("dup"),
            Tool("dup", parameters: Json("""{"type":"object","properties":{"a":{"type":"text"}}}""")),
            Tool("req", parameters: Json("""{"type":"object","properties":{"a":{"type":"string"}},"required":["b"]}"""))) with
        {
            OutcomeSchema = Json("[1,2]"),
            OutcomeWebhookUrl = "https://10.1.2.3/hook",
            Script = [new ScriptStep("x", "Y.", "not_a_tool")],
        };

        var errors = AgentValidator.Validate(agent);

        Assert.Contains("built-in", errors["tools[0].name"][0]);
        Assert.Contains("letters, digits", errors["tools[1].name"][0]);
        Assert.Contains("https", errors["tools[1].url"][0]);
        Assert.Contains("\"type\": \"object\"", errors["tools[1].parameters"][0]);
        Assert.Contains("between 1 and 10", errors["tools[1].timeoutSeconds"][0]);
        Assert.Contains("already named", errors["tools[3].name"][0]);
        Assert.Contains("Property 'a'", errors["tools[3].parameters"][0]);
        Assert.Contains("not a declared property", errors["tools[4].parameters"][0]);
        Assert.Contains("JSON Schema object", errors["outcomeSchema"][0]);
        Assert.Contains("private", errors["outcomeWebhookUrl"][0]);
        Assert.Contains("agent's tools", errors["script[0].tool"][0]);
    }

    [Fact]
    public void Loopback_endpoints_are_accepted_only_when_the_local_run_setting_allows_them()
    {
        var agent = WithTools(Tool(url: "http://127.0.0.1:21005/tools/book")) with { OutcomeWebhookUrl = "http://localhost:9000/hook" };

        var production = AgentValidator.Validate(agent);
        var local = AgentValidator.Validate(agent, new AgentEndpointOptions { AllowLoopback = true });

        Assert.Equal(["outcomeWebhookUrl", "tools[0].url"], production.Keys.Order());
        Assert.Empty(local);
    }
}
