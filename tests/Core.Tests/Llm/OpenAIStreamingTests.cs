using AgentOS.Voice.Agents;
using AgentOS.Voice.Llm;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace AgentOS.Voice.Core.Tests.Llm;

/// <summary>OpenAI chat completions streaming, through LlmClientProvider against a fake speaking the documented wire format.</summary>
public class OpenAIStreamingTests
{
    internal const string Created = "1732540000";

    internal static string Chunk(string model, string delta, string finishReason = "null") =>
        $$"""{"id":"chatcmpl-123","object":"chat.completion.chunk","created":{{Created}},"model":"{{model}}","system_fingerprint":"fp_44709d6fcb","choices":[{"index":0,"delta":{{delta}},"logprobs":null,"finish_reason":{{finishReason}}}]}""";

    /// <summary>Role chunk, one chunk per token, a stop chunk, then [DONE] — the shape OpenAI documents.</summary>
    internal static async Task StreamTextAsync(HttpContext context, string model, IEnumerable<string> tokens, Task? holdAfterFirst = null)
    {
        await FakeLlmServer.BeginEventStreamAsync(context);
        await FakeLlmServer.SendEventAsync(context, Chunk(model, """{"role":"assistant","content":"","refusal":null}"""));
        var first = true;
        foreach (var token in tokens)
        {
            await FakeLlmServer.SendEventAsync(context, Chunk(model, $$"""{"content":{{System.Text.Json.JsonSerializer.Serialize(token)}}}"""));
            if (first && holdAfterFirst is not null)
            {
                await holdAfterFirst.WaitAsync(TimeSpan.FromSeconds(30), context.RequestAborted);
            }

            first = false;
        }

        await FakeLlmServer.SendEventAsync(context, Chunk(model, "{}", "\"stop\""));
        await FakeLlmServer.SendEventAsync(context, "[DONE]");
    }

    [Fact]
    public async Task Streams_tokens_from_an_openai_compatible_server_and_sends_the_documented_request()
    {
        await using var fake = await FakeLlmServer.StartAsync((ctx, _) => StreamTextAsync(ctx, "gpt-4o-mini", ["Hello", " there", "!"]));
        await using var services = LlmTestServices.Build(new Dictionary<string, string?>
        {
            ["Llm:OpenAI:ApiKey"] = "sk-test-key",
            ["Llm:OpenAI:BaseUrl"] = fake.BaseUrl + "/v1",
            ["Llm:OpenAI:Organization"] = "org-test",
        });
        var client = services.GetRequiredService<ILlmClientProvider>().GetClient(LlmTestServices.Agent(LlmProviders.OpenAI, "gpt-4o-mini"));

        var tokens = new List<string>();
        await foreach (var update in client.GetStreamingResponseAsync(LlmTestServices.Conversation("What are your hours?"), new ChatOptions { Temperature = 0.2f }))
        {
            if (update.Text.Length > 0)
            {
                tokens.Add(update.Text);
            }
        }

        Assert.Equal(["Hello", " there", "!"], tokens);
        var request = Assert.Single(fake.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/v1/chat/completions", request.Path);
        Assert.Equal("Bearer sk-test-key", request.Header("Authorization"));
        Assert.Equal("org-test", request.Header("OpenAI-Organization"));
        var body = request.Json;
        Assert.Equal("gpt-4o-mini", body.GetProperty("model").GetString());
        Assert.True(body.GetProperty("stream").GetBoolean());
        Assert.Equal(0.2, body.GetProperty("temperature").GetDouble(), 3);
        var messages = body.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(2, messages.Count);
        Assert.Equal("system", messages[0].GetProperty("role").GetString());
        Assert.Equal("user", messages[1].GetProperty("role").GetString());
        Assert.Contains("What are your hours?", messages[1].GetProperty("content").ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tool_call_deltas_arrive_as_a_function_call_and_are_not_invoked()
    {
        var invoked = false;
        var handoff = AIFunctionFactory.Create((string reason) => invoked = true, LlmToolNames.Handoff, "Transfer the caller to a person.");
        await using var fake = await FakeLlmServer.StartAsync(async (ctx, _) =>
        {
            const string model = "gpt-4o-mini";
            await FakeLlmServer.BeginEventStreamAsync(ctx);
            await FakeLlmServer.SendEventAsync(ctx, Chunk(model, """{"role":"assistant","content":"One moment."}"""));
            await FakeLlmServer.SendEventAsync(ctx, Chunk(model, """{"tool_calls":[{"index":0,"id":"call_abc123","type":"function","function":{"name":"handoff","arguments":""}}]}"""));
            await FakeLlmServer.SendEventAsync(ctx, Chunk(model, """{"tool_calls":[{"index":0,"function":{"arguments":"{\"reason\":"}}]}"""));
            await FakeLlmServer.SendEventAsync(ctx, Chunk(model, """{"tool_calls":[{"index":0,"function":{"arguments":"\"wants a person\"}"}}]}"""));
            await FakeLlmServer.SendEventAsync(ctx, Chunk(model, "{}", "\"tool_calls\""));
            await FakeLlmServer.SendEventAsync(ctx, "[DONE]");
        });
        await using var services = LlmTestServices.Build(new Dictionary<string, string?>
        {
            ["Llm:OpenAI:ApiKey"] = "sk-test-key",
            ["Llm:OpenAI:BaseUrl"] = fake.BaseUrl + "/v1",
        });
        var client = services.GetRequiredService<ILlmClientProvider>().GetClient(LlmTestServices.Agent(LlmProviders.OpenAI, "gpt-4o-mini"));

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync(LlmTestServices.Conversation("Get me a human"), new ChatOptions { Tools = [handoff] }))
        {
            updates.Add(update);
        }

        Assert.Equal("One moment.", string.Concat(updates.Select(u => u.Text)));
        var call = Assert.Single(updates.SelectMany(u => u.Contents).OfType<FunctionCallContent>());
        Assert.Equal("call_abc123", call.CallId);
        Assert.Equal(LlmToolNames.Handoff, call.Name);
        Assert.Equal("wants a person", call.Arguments![LlmToolNames.ReasonArgument]?.ToString());
        Assert.False(invoked);
        var tool = Assert.Single(Assert.Single(fake.Requests).Json.GetProperty("tools").EnumerateArray());
        Assert.Equal("handoff", tool.GetProperty("function").GetProperty("name").GetString());
    }

    [Fact]
    public async Task The_first_token_is_delivered_while_the_provider_is_still_streaming()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var finished = false;
        await using var fake = await FakeLlmServer.StartAsync(async (ctx, _) =>
        {
            await StreamTextAsync(ctx, "gpt-4o-mini", ["Hi", " again"], release.Task);
            finished = true;
        });
        await using var services = LlmTestServices.Build(new Dictionary<string, string?>
        {
            ["Llm:OpenAI:ApiKey"] = "sk-test-key",
            ["Llm:OpenAI:BaseUrl"] = fake.BaseUrl + "/v1",
        });
        var client = services.GetRequiredService<ILlmClientProvider>().GetClient(LlmTestServices.Agent(LlmProviders.OpenAI, "gpt-4o-mini"));

        var text = new List<string>();
        await foreach (var update in client.GetStreamingResponseAsync(LlmTestServices.Conversation("Hi")))
        {
            if (update.Text.Length == 0)
            {
                continue;
            }

            if (text.Count == 0)
            {
                // The fake is parked after its first token until released: seeing it here proves nothing buffers.
                Assert.False(finished);
                Assert.False(release.Task.IsCompleted);
                release.SetResult();
            }

            text.Add(update.Text);
        }

        Assert.Equal(["Hi", " again"], text);
        Assert.True(finished);
    }
}
