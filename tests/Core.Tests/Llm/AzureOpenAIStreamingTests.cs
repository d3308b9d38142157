using AgentOS.Voice.Agents;
using AgentOS.Voice.Llm;
using AgentOS.Voice.TestSupport;
using Azure.Core;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace AgentOS.Voice.Core.Tests.Llm;

/// <summary>Azure OpenAI: the deployment is in the path, the key in the api-key header (or the managed identity's bearer token), the chunks as OpenAI's.</summary>
public class AzureOpenAIStreamingTests
{
    [Fact]
    public async Task Streams_tokens_from_the_agents_deployment_with_the_api_key_header()
    {
        await using var fake = await FakeLlmServer.StartAsync((ctx, _) => OpenAIStreamingTests.StreamTextAsync(ctx, "gpt-4o", ["Our", " hours", " are", " nine", " to", " five."]));
        await using var services = LlmTestServices.Build(new Dictionary<string, string?>
        {
            ["Llm:AzureOpenAI:Endpoint"] = fake.BaseUrl,
            ["Llm:AzureOpenAI:ApiKey"] = "azure-test-key",
        });
        var client = services.GetRequiredService<ILlmClientProvider>().GetClient(LlmTestServices.Agent(LlmProviders.AzureOpenAI, "voice-deployment"));

        var tokens = new List<string>();
        await foreach (var update in client.GetStreamingResponseAsync(LlmTestServices.Conversation("When are you open?")))
        {
            if (update.Text.Length > 0)
            {
                tokens.Add(update.Text);
            }
        }

        Assert.Equal("Our hours are nine to five.", string.Concat(tokens));
        Assert.Equal(6, tokens.Count);
        var request = Assert.Single(fake.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/openai/deployments/voice-deployment/chat/completions", request.Path);
        Assert.Matches(@"[?&]api-version=\d{4}-\d{2}-\d{2}", request.Query);
        Assert.Equal("azure-test-key", request.Header("api-key"));
        Assert.Null(request.Header("Authorization"));
        Assert.True(request.Json.GetProperty("stream").GetBoolean());
        Assert.Equal("user", request.Json.GetProperty("messages")[1].GetProperty("role").GetString());
    }

    [Fact]
    public async Task Without_a_key_the_managed_identitys_token_goes_as_a_bearer_for_the_cognitive_services_scope()
    {
        await using var fake = await FakeLlmServer.StartAsync((ctx, _) => OpenAIStreamingTests.StreamTextAsync(ctx, "gpt-4o", ["Hello", "."]), listen => listen.UseHttps(TestCertificate.Loopback));
        var identity = new RecordingCredential("identity-token");
        await using var services = LlmTestServices.Build(new Dictionary<string, string?> { ["Llm:AzureOpenAI:Endpoint"] = fake.BaseUrl }, trustTestCertificate: true, azureCredential: identity);
        var client = services.GetRequiredService<ILlmClientProvider>().GetClient(LlmTestServices.Agent(LlmProviders.AzureOpenAI, "voice-deployment"));

        var text = "";
        await foreach (var update in client.GetStreamingResponseAsync(LlmTestServices.Conversation("Hi")))
        {
            text += update.Text;
        }

        Assert.Equal("Hello.", text);
        var request = Assert.Single(fake.Requests);
        Assert.Equal("Bearer identity-token", request.Header("Authorization"));
        Assert.Null(request.Header("api-key"));
        Assert.Contains("https://cognitiveservices.azure.com/.default", Assert.Single(identity.Scopes.Distinct()));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("""{"error":{"message":"The server had an error while processing your request.","type":"server_error","param":null,"code":null}}""")]
    public async Task An_answer_that_stops_without_a_finish_reason_is_an_error_not_a_short_answer(string? errorEvent)
    {
        await using var fake = await FakeLlmServer.StartAsync(async (ctx, _) =>
        {
            await FakeLlmServer.BeginEventStreamAsync(ctx);
            await FakeLlmServer.SendEventAsync(ctx, OpenAIStreamingTests.Chunk("gpt-4o", """{"role":"assistant","content":"We are open Mon"}"""));
            if (errorEvent is not null)
            {
                await FakeLlmServer.SendEventAsync(ctx, errorEvent);
            }
        });
        await using var services = LlmTestServices.Build(new Dictionary<string, string?>
        {
            ["Llm:AzureOpenAI:Endpoint"] = fake.BaseUrl,
            ["Llm:AzureOpenAI:ApiKey"] = "azure-test-key",
        });
        var client = services.GetRequiredService<ILlmClientProvider>().GetClient(LlmTestServices.Agent(LlmProviders.AzureOpenAI, "voice-deployment"));

        var heard = "";
        var error = await Assert.ThrowsAsync<LlmProviderException>(async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync(LlmTestServices.Conversation("Hours?")))
            {
                heard += update.Text;
            }
        });

        Assert.Equal("We are open Mon", heard);
        Assert.Contains("ended before the answer did", error.Message, StringComparison.Ordinal);
    }

    private sealed class RecordingCredential(string token) : TokenCredential
    {
        public List<string> Scopes { get; } = [];

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            lock (Scopes)
            {
                Scopes.Add(string.Join(' ', requestContext.Scopes));
            }

            return new AccessToken(token, DateTimeOffset.UtcNow.AddHours(1));
        }

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }
}
