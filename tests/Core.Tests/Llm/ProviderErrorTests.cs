using System.ClientModel;
using System.Text.Json;
using AgentOS.Voice.Agents;
using AgentOS.Voice.Hosting;
using AgentOS.Voice.Llm;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AgentOS.Voice.Core.Tests.Llm;

/// <summary>A provider that refuses the request must surface as an exception at once: no hang, no retry on a live turn.</summary>
public class ProviderErrorTests
{
    private const string OpenAIError = """{"error":{"message":"The server had an error while processing your request.","type":"server_error","param":null,"code":null}}""";
    private const string OpenAIUnauthorized = """{"error":{"message":"Incorrect API key provided.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}""";
    private const string AnthropicUnauthorized = """{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}""";
    private const string AnthropicOverloaded = """{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}""";

    public static TheoryData<string, int, string> Failures() => new()
    {
        { LlmProviders.OpenAI, 500, OpenAIError },
        { LlmProviders.OpenAI, 401, OpenAIUnauthorized },
        { LlmProviders.AzureOpenAI, 500, OpenAIError },
        { LlmProviders.AzureOpenAI, 401, OpenAIUnauthorized },
        { LlmProviders.Anthropic, 529, AnthropicOverloaded },
        { LlmProviders.Anthropic, 500, AnthropicOverloaded },
        { LlmProviders.Anthropic, 401, AnthropicUnauthorized },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public async Task An_error_status_is_thrown_from_the_stream_after_one_attempt(string provider, int status, string body)
    {
        await using var fake = await FakeLlmServer.StartAsync((ctx, _) => FakeLlmServer.SendJsonErrorAsync(ctx, status, body));
        await using var services = LlmTestServices.Build(Settings(provider, fake));
        var client = services.GetRequiredService<ILlmClientProvider>().GetClient(LlmTestServices.Agent(provider, "some-model"));

        var error = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await foreach (var _ in client.GetStreamingResponseAsync(LlmTestServices.Conversation("Hello")))
            {
            }
        });

        Assert.IsNotAssignableFrom<OperationCanceledException>(error);
        if (provider == LlmProviders.Anthropic)
        {
            // The Anthropic SDK's typed exceptions carry the provider's error type from the body.
            Assert.Equal("Anthropic.Exceptions", error.GetType().Namespace);
            Assert.Contains(JsonDocument.Parse(body).RootElement.GetProperty("error").GetProperty("type").GetString()!, error.Message, StringComparison.Ordinal);
        }
        else if (provider == LlmProviders.OpenAI)
        {
            // Our own client: the status and OpenAI's error type from the body.
            var refusal = Assert.IsType<LlmProviderException>(error);
            Assert.Equal(status, refusal.Status);
            Assert.Equal(JsonDocument.Parse(body).RootElement.GetProperty("error").GetProperty("type").GetString(), refusal.ErrorType);
        }
        else
        {
            Assert.Equal(status, Assert.IsType<ClientResultException>(error).Status);
        }

        Assert.Single(fake.Requests);
    }

    [Fact]
    public async Task The_global_resilience_handler_does_not_retry_a_live_turn()
    {
        await using var fake = await FakeLlmServer.StartAsync((ctx, _) => FakeLlmServer.SendJsonErrorAsync(ctx, 503, OpenAIError));
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(Settings(LlmProviders.OpenAI, fake));
        builder.AddServiceDefaults();
        builder.Services.AddLlm(builder.Configuration, builder.Environment);
        using var host = builder.Build();
        var client = host.Services.GetRequiredService<ILlmClientProvider>().GetClient(LlmTestServices.Agent(LlmProviders.OpenAI, "gpt-4o-mini"));

        var error = await Assert.ThrowsAsync<LlmProviderException>(() => client.GetResponseAsync(LlmTestServices.Conversation("Hello")));

        Assert.Equal(503, error.Status);
        Assert.Single(fake.Requests);
    }

    [Fact]
    public async Task A_stream_cut_off_midway_ends_in_an_exception()
    {
        var heardFirst = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var fake = await FakeLlmServer.StartAsync(async (ctx, _) =>
        {
            await FakeLlmServer.BeginEventStreamAsync(ctx);
            await FakeLlmServer.SendEventAsync(ctx, OpenAIStreamingTests.Chunk("gpt-4o-mini", """{"role":"assistant","content":"Hel"}"""));
            // Cut only once the client has the first token, or the reset could overtake the data in flight.
            await heardFirst.Task.WaitAsync(TimeSpan.FromSeconds(30));
            ctx.Abort();
        });
        await using var services = LlmTestServices.Build(Settings(LlmProviders.OpenAI, fake));
        var client = services.GetRequiredService<ILlmClientProvider>().GetClient(LlmTestServices.Agent(LlmProviders.OpenAI, "gpt-4o-mini"));

        var heard = new List<string>();
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync(LlmTestServices.Conversation("Hello")))
            {
                heard.Add(update.Text);
                if (update.Text.Length > 0)
                {
                    heardFirst.TrySetResult();
                }
            }
        });

        Assert.Equal("Hel", string.Concat(heard));
    }

    private static Dictionary<string, string?> Settings(string provider, FakeLlmServer fake) => provider switch
    {
        LlmProviders.OpenAI => new() { ["Llm:OpenAI:ApiKey"] = "sk-test", ["Llm:OpenAI:BaseUrl"] = fake.BaseUrl + "/v1" },
        LlmProviders.AzureOpenAI => new() { ["Llm:AzureOpenAI:ApiKey"] = "azure-test", ["Llm:AzureOpenAI:Endpoint"] = fake.BaseUrl },
        _ => new() { ["Llm:Anthropic:ApiKey"] = "sk-ant-test", ["Llm:Anthropic:BaseUrl"] = fake.BaseUrl },
    };
}
