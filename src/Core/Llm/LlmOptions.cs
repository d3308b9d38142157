using AgentOS.Voice.Agents;
using Microsoft.Extensions.Options;

namespace AgentOS.Voice.Llm;

/// <summary>
/// Keys and addresses of the model providers, bound from the "Llm" section. A provider is switched on by giving its
/// key (Azure OpenAI: its endpoint), the scripted stand-in by <see cref="ScriptedLlmOptions.Enabled"/> or a local run;
/// a provider's section is validated only when it is switched on.
/// </summary>
public sealed class LlmOptions
{
    public const string SectionName = "Llm";

    public OpenAILlmOptions OpenAI { get; set; } = new();
    public AzureOpenAILlmOptions AzureOpenAI { get; set; } = new();
    public AnthropicLlmOptions Anthropic { get; set; } = new();
    public ScriptedLlmOptions Scripted { get; set; } = new();

    /// <summary>
    /// Longest a model request may wait for the provider. Our OpenAI client and the Azure SDK apply it to the response
    /// headers and then to each streamed read; the Anthropic SDK to the whole call, stream included. A caller is on the
    /// line, so a stalled provider must fail fast rather than hold the turn.
    /// </summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The setting that switches <paramref name="provider"/> on, for errors that tell an operator what to set.</summary>
    public static string SettingFor(string provider) => provider switch
    {
        LlmProviders.OpenAI => "Llm:OpenAI:ApiKey",
        LlmProviders.AzureOpenAI => "Llm:AzureOpenAI:Endpoint",
        LlmProviders.Anthropic => "Llm:Anthropic:ApiKey",
        LlmProviders.Scripted => "Llm:Scripted:Enabled",
        _ => throw new ArgumentOutOfRangeException(nameof(provider), provider, "Not an LLM provider."),
    };

    /// <summary>
    /// The providers agents may use here: those switched on by their settings, and the scripted stand-in also in a
    /// <paramref name="localRun"/> (Development), where it is what runs without keys.
    /// </summary>
    public IReadOnlySet<string> ConfiguredProviders(bool localRun)
    {
        var providers = new HashSet<string>(StringComparer.Ordinal);
        if (OpenAI.IsConfigured)
        {
            providers.Add(LlmProviders.OpenAI);
        }

        if (AzureOpenAI.IsConfigured)
        {
            providers.Add(LlmProviders.AzureOpenAI);
        }

        if (Anthropic.IsConfigured)
        {
            providers.Add(LlmProviders.Anthropic);
        }

        if (Scripted.Enabled || localRun)
        {
            providers.Add(LlmProviders.Scripted);
        }

        return providers;
    }
}

public sealed class OpenAILlmOptions
{
    public const string DefaultBaseUrl = "https://api.openai.com/v1";

    public string? ApiKey { get; set; }

    /// <summary>Any OpenAI-compatible server (vLLM, Ollama, LM Studio, a test fake) is reached through the same path.</summary>
    public string BaseUrl { get; set; } = DefaultBaseUrl;

    public string? Organization { get; set; }

    internal bool IsConfigured => !string.IsNullOrWhiteSpace(ApiKey);
}

/// <summary>
/// Azure OpenAI: the agent's model names the deployment. Without an ApiKey the app's managed identity is used
/// (DefaultAzureCredential; AZURE_CLIENT_ID picks the user-assigned one), which is how Bicep deploys it.
/// </summary>
public sealed class AzureOpenAILlmOptions
{
    /// <summary>The resource endpoint, e.g. https://my-resource.openai.azure.com.</summary>
    public string? Endpoint { get; set; }

    /// <summary>Optional: a key instead of the managed identity.</summary>
    public string? ApiKey { get; set; }

    internal bool IsConfigured => !string.IsNullOrWhiteSpace(Endpoint) || !string.IsNullOrWhiteSpace(ApiKey);
}

public sealed class AnthropicLlmOptions
{
    public const string DefaultBaseUrl = "https://api.anthropic.com";

    public string? ApiKey { get; set; }

    public string BaseUrl { get; set; } = DefaultBaseUrl;

    internal bool IsConfigured => !string.IsNullOrWhiteSpace(ApiKey);
}

/// <summary>The offline scripted model: whether agents may use it, and its pace.</summary>
public sealed class ScriptedLlmOptions
{
    /// <summary>
    /// Lets agents use the scripted model outside Development. It is a stand-in (demos, load tests), so a deployment
    /// asks for it; the local run always has it.
    /// </summary>
    public bool Enabled { get; set; }

    /// <summary>Wait before each token, so demos and load tests can mimic a real model's pace. Zero by default.</summary>
    public TimeSpan TokenDelay { get; set; } = TimeSpan.Zero;
}

/// <summary>
/// Checks only the providers that are configured; names the exact key at fault. Outside a local run some provider
/// must be: nothing is chosen silently for a deployment that forgot its keys.
/// </summary>
internal sealed class LlmOptionsValidator(bool localRun) : IValidateOptions<LlmOptions>
{
    public ValidateOptionsResult Validate(string? name, LlmOptions options)
    {
        var errors = new List<string>();

        if (!localRun && options.ConfiguredProviders(localRun: false).Count == 0)
        {
            errors.Add($"No LLM provider is configured. Outside Development set {LlmOptions.SettingFor(LlmProviders.OpenAI)}, " +
                       $"{LlmOptions.SettingFor(LlmProviders.AzureOpenAI)} or {LlmOptions.SettingFor(LlmProviders.Anthropic)}, " +
                       $"or {LlmOptions.SettingFor(LlmProviders.Scripted)}=true for the offline scripted model.");
        }

        if (options.RequestTimeout <= TimeSpan.Zero || options.RequestTimeout > TimeSpan.FromMinutes(10))
        {
            errors.Add("Llm:RequestTimeout must be more than zero and at most 00:10:00.");
        }

        if (options.Scripted.TokenDelay < TimeSpan.Zero || options.Scripted.TokenDelay > TimeSpan.FromSeconds(10))
        {
            errors.Add("Llm:Scripted:TokenDelay must be between 00:00:00 and 00:00:10.");
        }

        if (options.OpenAI.IsConfigured)
        {
            RequireHttpUrl(options.OpenAI.BaseUrl, "Llm:OpenAI:BaseUrl", errors);
        }

        if (options.AzureOpenAI.IsConfigured)
        {
            RequireHttpUrl(options.AzureOpenAI.Endpoint, "Llm:AzureOpenAI:Endpoint", errors);
        }

        if (options.Anthropic.IsConfigured)
        {
            RequireHttpUrl(options.Anthropic.BaseUrl, "Llm:Anthropic:BaseUrl", errors);
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void RequireHttpUrl(string? value, string key, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors.Add($"{key} is required.");
        }
        else if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            errors.Add($"{key} must be an absolute http(s) URL; got '{value}'.");
        }
    }
}
