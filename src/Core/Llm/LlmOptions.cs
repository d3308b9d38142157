using Microsoft.Extensions.Options;

namespace AgentOS.Voice.Llm;

/// <summary>
/// Keys and addresses of the model providers, bound from the "Llm" section. A provider is switched on by giving its
/// key; its section is validated only then, so a deployment that uses only the scripted model needs none of them.
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

/// <summary>The offline scripted model's pace.</summary>
public sealed class ScriptedLlmOptions
{
    /// <summary>Wait before each token, so demos and load tests can mimic a real model's pace. Zero by default.</summary>
    public TimeSpan TokenDelay { get; set; } = TimeSpan.Zero;
}

/// <summary>Checks only the providers that are configured; names the exact key at fault.</summary>
internal sealed class LlmOptionsValidator : IValidateOptions<LlmOptions>
{
    public ValidateOptionsResult Validate(string? name, LlmOptions options)
    {
        var errors = new List<string>();

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
