using AgentOS.Voice.Agents;

namespace AgentOS.Voice.Core.Tests.Agents;

public class AgentValidatorTests
{
    private static Agent Valid() => new()
    {
        Id = "front-desk",
        Name = "Front desk",
        PhoneNumber = "+14155550100",
        TransferNumber = "+442071838750",
        OtherLanguages = [new AgentLanguage("es-ES")],
        DtmfMenu = new Dictionary<string, DtmfAction> { ["0"] = new(DtmfActionKind.Handoff), ["*"] = new(DtmfActionKind.End) },
        Script = [new ScriptStep(null, "Hola.", "switch_language:es-ES"), new ScriptStep("bye", "Bye.", "end_call")],
    };

    [Fact]
    public void A_valid_agent_has_no_problems() => Assert.Empty(AgentValidator.Validate(Valid()));

    [Theory]
    [InlineData(LlmProviders.OpenAI, "Llm:OpenAI:ApiKey")]
    [InlineData(LlmProviders.AzureOpenAI, "Llm:AzureOpenAI:Endpoint")]
    [InlineData(LlmProviders.Anthropic, "Llm:Anthropic:ApiKey")]
    [InlineData(LlmProviders.Scripted, "Llm:Scripted:Enabled")]
    public void A_provider_this_deployment_has_not_configured_is_refused_naming_the_setting(string provider, string setting)
    {
        var agent = Valid() with { Llm = new LlmSettings { Provider = provider, Model = "a-model" } };

        var errors = AgentValidator.Validate(agent, configuredLlmProviders: new HashSet<string>(LlmProviders.All.Where(p => p != provider)));

        Assert.Equal($"LLM provider '{provider}' is not configured here: set {setting}.", Assert.Single(errors["llm.provider"]));
        Assert.Empty(AgentValidator.Validate(agent, configuredLlmProviders: LlmProviders.All));
    }

    [Fact]
    public void Every_problem_is_reported_at_once_by_field()
    {
        var agent = Valid() with
        {
            Id = "Bad_Id",
            Name = "",
            PhoneNumber = "4155550100",
            TransferNumber = null,
            Language = "english!",
            Greeting = new string('g', 1001),
            SystemPrompt = new string('s', 8001),
            Llm = new LlmSettings { Provider = "gpt", Model = " " },
            TtsProvider = "Polly",
            TranscriptionProvider = "Whisper",
            DtmfMenu = new Dictionary<string, DtmfAction>
            {
                ["0"] = new(DtmfActionKind.Handoff),
                ["12"] = new(DtmfActionKind.End),
                ["5"] = new(DtmfActionKind.Say),
            },
            Script = [new ScriptStep(null, "", "dance"), new ScriptStep(null, "ok", "switch_language:fr-FR")],
        };

        var errors = AgentValidator.Validate(agent);

        Assert.Equal(
            new[]
            {
                "dtmfMenu.0.kind", "dtmfMenu.12", "dtmfMenu.5.text", "greeting", "id", "language", "llm.model", "llm.provider",
                "name", "phoneNumber", "script[0].reply", "script[0].tool", "script[1].tool", "systemPrompt",
                "transcriptionProvider", "ttsProvider",
            },
            errors.Keys.Order(StringComparer.Ordinal).ToArray());
    }

    [Theory]
    [InlineData("+141555")]
    [InlineData("+0415555010")]
    [InlineData("+1415555010012345")]
    [InlineData("+1 415 555 0100")]
    public void Transfer_numbers_must_be_E164(string number) =>
        Assert.Contains("transferNumber", AgentValidator.Validate(Valid() with { TransferNumber = number }).Keys);

    [Theory]
    [InlineData("+15550001299\n")]
    [InlineData("+1555000129\u0661")]
    public void Numbers_with_a_trailing_newline_or_non_ascii_digits_are_not_E164(string number)
    {
        var errors = AgentValidator.Validate(Valid() with { PhoneNumber = number, TransferNumber = number });

        Assert.Contains("phoneNumber", errors.Keys);
        Assert.Contains("transferNumber", errors.Keys);
    }

    [Theory]
    [InlineData(0x0000)]
    [InlineData(0x0001)]
    [InlineData(0x000B)]
    [InlineData(0x000C)]
    [InlineData(0x001F)]
    [InlineData(0xFFFE)]
    [InlineData(0xFFFF)]
    [InlineData(0xD800)]
    [InlineData(0xDC00)]
    public void Text_that_XML_cannot_hold_is_refused_in_every_spoken_field_naming_the_field(int code)
    {
        // As a code number: xunit cannot carry a lone surrogate through a string argument.
        var bad = ((char)code).ToString();
        var agent = Valid() with
        {
            Name = "Front " + bad,
            Greeting = "Hello " + bad,
            SystemPrompt = bad + "Be brief.",
            DtmfMenu = new Dictionary<string, DtmfAction> { ["1"] = new(DtmfActionKind.Say, "Open " + bad), ["*"] = new(DtmfActionKind.End, bad + "Bye") },
            Script = [new ScriptStep("hi" + bad, "Hello" + bad)],
        };

        var errors = AgentValidator.Validate(agent);

        Assert.Equal(
            ["dtmfMenu.*.text", "dtmfMenu.1.text", "greeting", "name", "script[0].reply", "script[0].whenCallerSays", "systemPrompt"],
            errors.Keys.Order(StringComparer.Ordinal).ToArray());
        Assert.Contains($"U+{(int)bad[0]:X4}", errors["greeting"][0], StringComparison.Ordinal);
    }

    [Fact]
    public void Tabs_newlines_and_characters_outside_the_basic_plane_are_fine() =>
        Assert.Empty(AgentValidator.Validate(Valid() with { Greeting = "Hello\tthere,\r\nwelcome 😀 \uFFFD" }));

    [Theory]
    [InlineData("front-desk\n")]
    [InlineData("a")]
    [InlineData("-abc")]
    [InlineData("ABC")]
    [InlineData("a b")]
    public void Ids_must_be_slugs(string id) => Assert.Contains("id", AgentValidator.Validate(Valid() with { Id = id }).Keys);

    [Fact]
    public void Handoff_without_a_transfer_number_is_named_on_menu_and_script()
    {
        var agent = Valid() with { TransferNumber = null, Script = [new ScriptStep(null, "Connecting.", "handoff")] };

        var errors = AgentValidator.Validate(agent);

        Assert.Equal(["dtmfMenu.0.kind", "script[0].tool"], errors.Keys.Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public void Nulls_from_json_are_reported_not_thrown()
    {
        var agent = Valid() with { Id = null!, Name = null!, Llm = null!, DtmfMenu = null!, Script = null!, OtherLanguages = null! };

        var errors = AgentValidator.Validate(agent);

        Assert.Equal(["dtmfMenu", "id", "llm", "name", "otherLanguages", "script"], errors.Keys.Order(StringComparer.Ordinal).ToArray());
    }
}
