using AgentOS.Voice.Agents;
using AgentOS.Voice.Llm;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace AgentOS.Voice.Core.Tests.Llm;

/// <summary>Azure OpenAI: the deployment is in the path, the key in the api-key header, the chunks as OpenAI's.</summary>
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
}
