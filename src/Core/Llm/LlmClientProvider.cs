using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Concurrent;
using AgentOS.Voice.Agents;
using Anthropic;
using Azure.AI.OpenAI;
using Azure.Core;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using AnthropicClientOptions = Anthropic.Core.ClientOptions;

namespace AgentOS.Voice.Llm;

/// <summary>
/// Chooses the chat client for an agent by <see cref="LlmSettings.Provider"/>. OpenAI (and OpenAI-compatible servers)
/// through our own <see cref="OpenAIChatClient"/>; Azure OpenAI and Anthropic through their SDK clients adapted to
/// <see cref="IChatClient"/>. Nothing is layered on top: tool calls are not invoked here but arrive in the stream as
/// <see cref="FunctionCallContent"/>, because the session must act on them itself (a hand-off ends the
/// ConversationRelay session). Real-provider clients are built once per (provider, model, max output tokens)
/// and shared: callers must not dispose them.
/// </summary>
public sealed class LlmClientProvider : ILlmClientProvider
{
    /// <summary>The named HttpClient every provider's client sends through (pooled connections, no retries).</summary>
    public const string HttpClientName = "AgentOS.Voice.Llm";

    /// <summary>Service key of the <see cref="TokenCredential"/> Azure OpenAI uses when no key is configured.</summary>
    public const string AzureCredentialKey = "AgentOS.Voice.Llm.AzureOpenAI";

    private readonly LlmOptions _options;
    private readonly IHttpClientFactory _httpClientFactory;
    private readonly TimeProvider _time;
    private readonly TokenCredential _azureCredential;
    private readonly ConcurrentDictionary<ClientKey, IChatClient> _clients = new();
    private readonly Lazy<AzureOpenAIClient> _azureOpenAI;
    private readonly Lazy<AnthropicClient> _anthropic;

    public LlmClientProvider(
        IOptions<LlmOptions> options, IHttpClientFactory httpClientFactory, TimeProvider timeProvider,
        [FromKeyedServices(AzureCredentialKey)] TokenCredential azureCredential)
    {
        _options = options.Value;
        _httpClientFactory = httpClientFactory;
        _time = timeProvider;
        _azureCredential = azureCredential;
        _azureOpenAI = new(CreateAzureOpenAI);
        _anthropic = new(CreateAnthropic);
    }

    public IChatClient GetClient(Agent agent)
    {
        ArgumentNullException.ThrowIfNull(agent);
        var settings = agent.Llm;
        switch (settings.Provider)
        {
            case LlmProviders.Scripted:
                // Built per agent: its script is part of the agent record, which may change between calls.
                return new ScriptedChatClient(agent.Script, _options.Scripted.TokenDelay, _time);
            case LlmProviders.OpenAI:
                Require(agent, _options.OpenAI.IsConfigured);
                break;
            case LlmProviders.AzureOpenAI:
                Require(agent, _options.AzureOpenAI.IsConfigured);
                break;
            case LlmProviders.Anthropic:
                Require(agent, _options.Anthropic.IsConfigured);
                break;
            default:
                throw new LlmConfigurationException(
                    $"Agent '{agent.Name}' ({agent.Id}) uses LLM provider '{settings.Provider}', which is not one of: {string.Join(", ", LlmProviders.All.Order())}.");
        }

        if (string.IsNullOrWhiteSpace(settings.Model))
        {
            throw new LlmConfigurationException($"Agent '{agent.Name}' ({agent.Id}) uses LLM provider '{settings.Provider}' but names no model (Llm.Model).");
        }

        // Only Anthropic bakes the output limit into the client (the API requires max_tokens); for the others the
        // limit travels in ChatOptions, so one client serves every agent on that model.
        var maxTokens = settings.Provider == LlmProviders.Anthropic ? settings.MaxOutputTokens : 0;
        return _clients.GetOrAdd(new ClientKey(settings.Provider, settings.Model, maxTokens), static (key, self) => self.Create(key), this);
    }

    private IChatClient Create(ClientKey key) => key.Provider switch
    {
        LlmProviders.OpenAI => new OpenAIChatClient(_httpClientFactory.CreateClient(HttpClientName), new OpenAIChatClientOptions
        {
            BaseUrl = new Uri(_options.OpenAI.BaseUrl),
            ApiKey = _options.OpenAI.ApiKey!,
            Organization = _options.OpenAI.Organization,
            Model = key.Model,
            NetworkTimeout = _options.RequestTimeout,
        }),
        LlmProviders.AzureOpenAI => new WholeAnswerChatClient(_azureOpenAI.Value.GetChatClient(key.Model).AsIChatClient()),
        LlmProviders.Anthropic => _anthropic.Value.AsIChatClient(key.Model, key.MaxOutputTokens),
        _ => throw new InvalidOperationException($"No client factory for provider '{key.Provider}'."),
    };

    private AzureOpenAIClient CreateAzureOpenAI()
    {
        var o = _options.AzureOpenAI;
        var clientOptions = new AzureOpenAIClientOptions();
        ConfigurePipeline(clientOptions);
        return string.IsNullOrWhiteSpace(o.ApiKey)
            ? new AzureOpenAIClient(new Uri(o.Endpoint!), _azureCredential, clientOptions)
            : new AzureOpenAIClient(new Uri(o.Endpoint!), new ApiKeyCredential(o.ApiKey), clientOptions);
    }

    private AnthropicClient CreateAnthropic()
    {
        var o = _options.Anthropic;
        // The key is always passed: without one the SDK would read ANTHROPIC_API_KEY from the environment.
        return new AnthropicClient(new AnthropicClientOptions
        {
            ApiKey = o.ApiKey,
            BaseUrl = o.BaseUrl,
            HttpClient = _httpClientFactory.CreateClient(HttpClientName),
            MaxRetries = 0,
            Timeout = _options.RequestTimeout,
        });
    }

    /// <summary>
    /// A live turn is never retried: by the time a retry's backoff ends the caller has heard silence too long, and the
    /// session has its own spoken fallback. The network timeout bounds the wait for headers and each streamed chunk.
    /// </summary>
    private void ConfigurePipeline(ClientPipelineOptions clientOptions)
    {
        clientOptions.Transport = new HttpClientPipelineTransport(_httpClientFactory.CreateClient(HttpClientName));
        clientOptions.RetryPolicy = new ClientRetryPolicy(maxRetries: 0);
        clientOptions.NetworkTimeout = _options.RequestTimeout;
    }

    private static void Require(Agent agent, bool configured)
    {
        if (!configured)
        {
            throw new LlmConfigurationException(
                $"Agent '{agent.Name}' ({agent.Id}) uses LLM provider '{agent.Llm.Provider}', but {LlmOptions.SettingFor(agent.Llm.Provider)} is not configured.");
        }
    }

    private readonly record struct ClientKey(string Provider, string Model, int MaxOutputTokens);
}
