using AgentOS.Voice.Agents;
using AgentOS.Voice.Llm;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AgentOS.Voice.Core.Tests.Llm;

public class LlmClientProviderTests
{
    private static readonly Dictionary<string, string?> AllProviders = new()
    {
        ["Llm:OpenAI:ApiKey"] = "sk-test",
        ["Llm:AzureOpenAI:Endpoint"] = "https://example.openai.azure.com",
        ["Llm:AzureOpenAI:ApiKey"] = "azure-test",
        ["Llm:Anthropic:ApiKey"] = "sk-ant-test",
    };

    [Fact]
    public void The_scripted_provider_needs_no_configuration_and_uses_the_agents_script()
    {
        using var services = LlmTestServices.Build(new Dictionary<string, string?>());
        var agent = LlmTestServices.Agent(LlmProviders.Scripted, "scripted", [new(null, "Only this.")]);

        var client = services.GetRequiredService<ILlmClientProvider>().GetClient(agent);

        Assert.IsType<ScriptedChatClient>(client);
        Assert.Equal("scripted", client.GetService<ChatClientMetadata>()?.ProviderName);
    }

    [Theory]
    [InlineData(LlmProviders.OpenAI, "openai")]
    [InlineData(LlmProviders.AzureOpenAI, "openai")]
    [InlineData(LlmProviders.Anthropic, "anthropic")]
    public void Real_providers_are_built_once_per_model_and_shared(string provider, string metadataProvider)
    {
        using var services = LlmTestServices.Build(AllProviders);
        var llm = services.GetRequiredService<ILlmClientProvider>();

        var first = llm.GetClient(LlmTestServices.Agent(provider, "model-a"));
        var again = llm.GetClient(LlmTestServices.Agent(provider, "model-a") with { Id = "agent-2" });
        var other = llm.GetClient(LlmTestServices.Agent(provider, "model-b"));

        Assert.Same(first, again);
        Assert.NotSame(first, other);
        var metadata = first.GetService<ChatClientMetadata>();
        Assert.Contains(metadataProvider, metadata?.ProviderName ?? "", StringComparison.OrdinalIgnoreCase);
        Assert.Equal("model-a", metadata?.DefaultModelId);
        // Raw clients: no function-invoking layer that would run the session's tools behind its back.
        Assert.Null(first.GetService<FunctionInvokingChatClient>());
    }

    [Theory]
    [InlineData(LlmProviders.OpenAI, "Llm:OpenAI:ApiKey")]
    [InlineData(LlmProviders.AzureOpenAI, "Llm:AzureOpenAI:Endpoint")]
    [InlineData(LlmProviders.Anthropic, "Llm:Anthropic:ApiKey")]
    public void A_provider_without_its_key_is_refused_naming_the_agent_and_the_setting(string provider, string setting)
    {
        using var services = LlmTestServices.Build(new Dictionary<string, string?>());

        var error = Assert.Throws<LlmConfigurationException>(() =>
            services.GetRequiredService<ILlmClientProvider>().GetClient(LlmTestServices.Agent(provider, "some-model")));

        Assert.Contains("'Front desk' (agent-1)", error.Message, StringComparison.Ordinal);
        Assert.Contains(setting, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_provider_is_refused_with_the_known_ones_listed()
    {
        using var services = LlmTestServices.Build(AllProviders);

        var error = Assert.Throws<LlmConfigurationException>(() =>
            services.GetRequiredService<ILlmClientProvider>().GetClient(LlmTestServices.Agent("gemini", "gemini-2")));

        Assert.Contains("'gemini'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Front desk", error.Message, StringComparison.Ordinal);
        Assert.Contains("anthropic, azure-openai, openai, scripted", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_real_provider_with_no_model_is_refused()
    {
        using var services = LlmTestServices.Build(AllProviders);

        var error = Assert.Throws<LlmConfigurationException>(() =>
            services.GetRequiredService<ILlmClientProvider>().GetClient(LlmTestServices.Agent(LlmProviders.OpenAI, " ")));

        Assert.Contains("no model", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Configured_token_delay_reaches_the_scripted_client()
    {
        using var services = LlmTestServices.Build(new Dictionary<string, string?> { ["Llm:Scripted:TokenDelay"] = "00:00:00.050" });

        Assert.Equal(TimeSpan.FromMilliseconds(50), services.GetRequiredService<IOptions<LlmOptions>>().Value.Scripted.TokenDelay);
    }

    [Fact]
    public void Defaults_point_at_the_public_apis()
    {
        using var services = LlmTestServices.Build(new Dictionary<string, string?>());

        var options = services.GetRequiredService<IOptions<LlmOptions>>().Value;

        Assert.Equal("https://api.openai.com/v1", options.OpenAI.BaseUrl);
        Assert.Equal("https://api.anthropic.com", options.Anthropic.BaseUrl);
        Assert.Equal(TimeSpan.FromSeconds(30), options.RequestTimeout);
        Assert.Equal(TimeSpan.Zero, options.Scripted.TokenDelay);
    }

    [Fact]
    public void An_agents_temperature_and_output_limit_travel_in_the_request_options()
    {
        var tool = AIFunctionFactory.Create(() => "ok", LlmToolNames.EndCall);

        var options = new LlmSettings { Provider = LlmProviders.OpenAI, Model = "gpt-4o-mini", Temperature = 0.3f, MaxOutputTokens = 120 }.ToChatOptions([tool]);

        Assert.Equal(0.3f, options.Temperature);
        Assert.Equal(120, options.MaxOutputTokens);
        Assert.Same(tool, Assert.Single(options.Tools!));
    }

    public static TheoryData<string, string, string> InvalidSettings() => new()
    {
        { "Llm:AzureOpenAI:ApiKey", "azure-test", "Llm:AzureOpenAI:Endpoint is required" },
        { "Llm:RequestTimeout", "00:00:00", "Llm:RequestTimeout" },
        { "Llm:Scripted:TokenDelay", "-00:00:01", "Llm:Scripted:TokenDelay" },
    };

    [Theory]
    [MemberData(nameof(InvalidSettings))]
    public async Task Bad_settings_stop_the_host_at_start_naming_the_key(string key, string value, string expected)
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => StartHostAsync(new() { [key] = value }));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("OpenAI")]
    [InlineData("Anthropic")]
    public async Task A_configured_providers_base_url_must_be_an_http_url(string provider)
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => StartHostAsync(new()
        {
            [$"Llm:{provider}:ApiKey"] = "key",
            [$"Llm:{provider}:BaseUrl"] = "ftp://models.example.com",
        }));

        Assert.Contains($"Llm:{provider}:BaseUrl must be an absolute http(s) URL", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unconfigured_providers_section_is_not_validated()
    {
        await StartHostAsync(new() { ["Llm:OpenAI:BaseUrl"] = "not a url", ["Llm:Anthropic:BaseUrl"] = "" });
    }

    [Fact]
    public async Task A_production_start_without_any_provider_fails_naming_the_settings()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => StartHostAsync(new(), Environments.Production));

        Assert.Contains("No LLM provider is configured", error.Message, StringComparison.Ordinal);
        Assert.Contains("Llm:OpenAI:ApiKey, Llm:AzureOpenAI:Endpoint or Llm:Anthropic:ApiKey", error.Message, StringComparison.Ordinal);
        Assert.Contains("Llm:Scripted:Enabled", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Llm:Anthropic:ApiKey", "sk-ant-test")]
    [InlineData("Llm:Scripted:Enabled", "true")]
    public async Task A_production_start_with_a_provider_or_the_scripted_model_switched_on_starts(string key, string value)
    {
        await StartHostAsync(new() { [key] = value }, Environments.Production);
    }

    [Fact]
    public void Agents_may_use_the_providers_with_keys_and_the_scripted_model_only_when_switched_on_or_in_a_local_run()
    {
        var options = new LlmOptions { Anthropic = { ApiKey = "sk-ant-test" } };

        Assert.Equal([LlmProviders.Anthropic], options.ConfiguredProviders(localRun: false));
        Assert.Equal([LlmProviders.Anthropic, LlmProviders.Scripted], options.ConfiguredProviders(localRun: true).Order(StringComparer.Ordinal));
        options.Scripted.Enabled = true;
        Assert.Contains(LlmProviders.Scripted, options.ConfiguredProviders(localRun: false));
    }

    private static async Task StartHostAsync(Dictionary<string, string?> settings, string environment = "Development")
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = environment });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddLlm(builder.Configuration, builder.Environment);
        using var host = builder.Build();
        await host.StartAsync();
        await host.StopAsync();
    }
}
