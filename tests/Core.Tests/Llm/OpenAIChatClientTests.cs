using System.Text.Json;
using AgentOS.Voice.Agents;
using AgentOS.Voice.Llm;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace AgentOS.Voice.Core.Tests.Llm;

/// <summary>
/// Our OpenAI chat-completions client on the parts of the wire format the SDK used to handle for us: the request a
/// tool round sends, usage, errors inside the stream and answers that stop short. Real Kestrel on loopback.
/// </summary>
public class OpenAIChatClientTests
{
    private const string Model = "gpt-4o-mini";

    [Fact]
    public async Task A_tool_round_sends_the_call_and_its_result_with_the_agents_limits_and_asks_for_usage()
    {
        await using var fake = await FakeLlmServer.StartAsync((ctx, _) => OpenAIStreamingTests.StreamTextAsync(ctx, Model, ["Done."]));
        var client = OpenAI(fake, out var services);
        await using var _ = services;
        var arguments = new Dictionary<string, object?> { [LlmToolNames.ReasonArgument] = "wants a \"person\"" };
        List<ChatMessage> messages =
        [
            new(ChatRole.System, "You are a front desk."),
            new(ChatRole.User, "Get me a human"),
            new(ChatRole.Assistant, [new FunctionCallContent("call_1", LlmToolNames.Handoff, arguments)]),
            new(ChatRole.Tool, [new FunctionResultContent("call_1", "transferring")]),
        ];
        var declaration = AIFunctionFactory.CreateDeclaration(LlmToolNames.Handoff, "Transfer the caller.",
            JsonDocument.Parse("""{"type":"object","properties":{"reason":{"type":"string"}},"required":["reason"]}""").RootElement);

        var response = await client.GetResponseAsync(messages, new ChatOptions { MaxOutputTokens = 150, Temperature = 0.5f, Tools = [declaration] });

        Assert.Equal("Done.", response.Text);
        var body = Assert.Single(fake.Requests).Json;
        Assert.Equal(Model, body.GetProperty("model").GetString());
        Assert.Equal(150, body.GetProperty("max_completion_tokens").GetInt32());
        Assert.Equal(0.5, body.GetProperty("temperature").GetDouble(), 3);
        Assert.True(body.GetProperty("stream").GetBoolean());
        Assert.True(body.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
        Assert.Equal("auto", body.GetProperty("tool_choice").GetString());
        var tool = Assert.Single(body.GetProperty("tools").EnumerateArray());
        Assert.Equal("function", tool.GetProperty("type").GetString());
        Assert.Equal(LlmToolNames.Handoff, tool.GetProperty("function").GetProperty("name").GetString());
        Assert.Equal("object", tool.GetProperty("function").GetProperty("parameters").GetProperty("type").GetString());
        var sent = body.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(["system", "user", "assistant", "tool"], sent.Select(m => m.GetProperty("role").GetString()));
        var call = Assert.Single(sent[2].GetProperty("tool_calls").EnumerateArray());
        Assert.Equal("call_1", call.GetProperty("id").GetString());
        Assert.Equal("function", call.GetProperty("type").GetString());
        Assert.Equal(LlmToolNames.Handoff, call.GetProperty("function").GetProperty("name").GetString());
        // Arguments travel as a JSON document inside a string.
        var sentArguments = JsonDocument.Parse(call.GetProperty("function").GetProperty("arguments").GetString()!).RootElement;
        Assert.Equal("wants a \"person\"", sentArguments.GetProperty(LlmToolNames.ReasonArgument).GetString());
        Assert.Equal("call_1", sent[3].GetProperty("tool_call_id").GetString());
        Assert.Equal("transferring", sent[3].GetProperty("content").GetString());
    }

    [Fact]
    public async Task A_json_schema_response_format_is_sent_as_openais_response_format()
    {
        await using var fake = await FakeLlmServer.StartAsync((ctx, _) => OpenAIStreamingTests.StreamTextAsync(ctx, Model, ["{\"summary\":\"Booked.\"}"]));
        var client = OpenAI(fake, out var services);
        await using var _ = services;
        var schema = JsonDocument.Parse("""{"type":"object","properties":{"summary":{"type":"string"}},"required":["summary"]}""").RootElement;

        var response = await client.GetResponseAsync(LlmTestServices.Conversation("Summarise the call."),
            new ChatOptions { ResponseFormat = ChatResponseFormat.ForJsonSchema(schema, "call_outcome", "Summary of a call.") });

        Assert.Equal("""{"summary":"Booked."}""", response.Text);
        var format = Assert.Single(fake.Requests).Json.GetProperty("response_format");
        Assert.Equal("json_schema", format.GetProperty("type").GetString());
        var sent = format.GetProperty("json_schema");
        Assert.Equal("call_outcome", sent.GetProperty("name").GetString());
        Assert.Equal("Summary of a call.", sent.GetProperty("description").GetString());
        Assert.Equal(["summary"], sent.GetProperty("schema").GetProperty("required").EnumerateArray().Select(e => e.GetString()));
        Assert.False(sent.TryGetProperty("strict", out var _));
    }

    [Fact]
    public async Task Without_a_response_format_none_is_sent()
    {
        await using var fake = await FakeLlmServer.StartAsync((ctx, _) => OpenAIStreamingTests.StreamTextAsync(ctx, Model, ["Hi."]));
        var client = OpenAI(fake, out var services);
        await using var _ = services;

        await client.GetResponseAsync(LlmTestServices.Conversation("Hello"), new ChatOptions { ResponseFormat = ChatResponseFormat.Text });

        Assert.False(Assert.Single(fake.Requests).Json.TryGetProperty("response_format", out var _));
    }

    [Fact]
    public async Task The_usage_chunk_arrives_as_usage_and_the_answer_keeps_the_providers_id_model_and_finish_reason()
    {
        await using var fake = await FakeLlmServer.StartAsync(async (ctx, _) =>
        {
            await FakeLlmServer.BeginEventStreamAsync(ctx);
            await FakeLlmServer.SendEventAsync(ctx, OpenAIStreamingTests.Chunk("gpt-4o-mini-2024-07-18", """{"role":"assistant","content":""}"""));
            await FakeLlmServer.SendEventAsync(ctx, OpenAIStreamingTests.Chunk("gpt-4o-mini-2024-07-18", """{"content":"Caf\u00e9 \"open\"\n"}"""));
            await FakeLlmServer.SendEventAsync(ctx, OpenAIStreamingTests.Chunk("gpt-4o-mini-2024-07-18", "{}", "\"length\""));
            await FakeLlmServer.SendEventAsync(ctx, $$$"""{"id":"chatcmpl-123","object":"chat.completion.chunk","created":{{{OpenAIStreamingTests.Created}}},"model":"gpt-4o-mini-2024-07-18","choices":[],"usage":{"prompt_tokens":42,"completion_tokens":7,"total_tokens":49}}""");
            await FakeLlmServer.SendEventAsync(ctx, "[DONE]");
        });
        var client = OpenAI(fake, out var services);
        await using var _ = services;

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync(LlmTestServices.Conversation("Hours?")))
        {
            updates.Add(update);
        }

        Assert.Equal("Café \"open\"\n", string.Concat(updates.Select(u => u.Text)));
        Assert.All(updates, u => Assert.Equal("chatcmpl-123", u.ResponseId));
        Assert.All(updates, u => Assert.Equal("gpt-4o-mini-2024-07-18", u.ModelId));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(long.Parse(OpenAIStreamingTests.Created)), updates[0].CreatedAt);
        Assert.Equal(ChatFinishReason.Length, Assert.Single(updates, u => u.FinishReason is not null).FinishReason);
        var usage = Assert.Single(updates.SelectMany(u => u.Contents).OfType<UsageContent>()).Details;
        Assert.Equal(42, usage.InputTokenCount);
        Assert.Equal(7, usage.OutputTokenCount);
        Assert.Equal(49, usage.TotalTokenCount);
    }

    [Fact]
    public async Task An_error_sent_inside_the_stream_ends_it_with_the_providers_error()
    {
        await using var fake = await FakeLlmServer.StartAsync(async (ctx, _) =>
        {
            await FakeLlmServer.BeginEventStreamAsync(ctx);
            await FakeLlmServer.SendEventAsync(ctx, OpenAIStreamingTests.Chunk(Model, """{"role":"assistant","content":"We"}"""));
            await FakeLlmServer.SendEventAsync(ctx, """{"error":{"message":"The server had an error while processing your request.","type":"server_error","param":null,"code":null}}""");
        });
        var client = OpenAI(fake, out var services);
        await using var _ = services;

        var heard = new List<string>();
        var error = await Assert.ThrowsAsync<LlmProviderException>(async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync(LlmTestServices.Conversation("Hours?")))
            {
                heard.Add(update.Text);
            }
        });

        Assert.Equal("We", string.Concat(heard));
        Assert.Null(error.Status);
        Assert.Equal("server_error", error.ErrorType);
        Assert.Contains("The server had an error", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_answer_that_stops_without_a_finish_reason_or_done_is_an_error_not_a_short_answer()
    {
        await using var fake = await FakeLlmServer.StartAsync(async (ctx, _) =>
        {
            await FakeLlmServer.BeginEventStreamAsync(ctx);
            await FakeLlmServer.SendEventAsync(ctx, OpenAIStreamingTests.Chunk(Model, """{"role":"assistant","content":"We are open Mon"}"""));
        });
        var client = OpenAI(fake, out var services);
        await using var _ = services;

        var error = await Assert.ThrowsAsync<LlmProviderException>(() => client.GetResponseAsync(LlmTestServices.Conversation("Hours?")));

        Assert.Contains("ended before the answer did", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refusal_that_is_not_openais_json_still_names_its_status()
    {
        await using var fake = await FakeLlmServer.StartAsync(async (ctx, _) =>
        {
            ctx.Response.StatusCode = 502;
            ctx.Response.ContentType = "text/html";
            await ctx.Response.WriteAsync("<html><body>Bad gateway</body></html>");
        });
        var client = OpenAI(fake, out var services);
        await using var _ = services;

        var error = await Assert.ThrowsAsync<LlmProviderException>(() => client.GetResponseAsync(LlmTestServices.Conversation("Hours?")));

        Assert.Equal(502, error.Status);
        Assert.Contains("502", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_provider_that_goes_quiet_mid_answer_fails_the_turn_after_the_request_timeout()
    {
        var never = new TaskCompletionSource();
        await using var fake = await FakeLlmServer.StartAsync(async (ctx, _) =>
        {
            await FakeLlmServer.BeginEventStreamAsync(ctx);
            await FakeLlmServer.SendEventAsync(ctx, OpenAIStreamingTests.Chunk(Model, """{"role":"assistant","content":"Let me"}"""));
            await never.Task.WaitAsync(ctx.RequestAborted);
        });
        var client = OpenAI(fake, out var services, new() { ["Llm:RequestTimeout"] = "00:00:01" });
        await using var _ = services;

        var heard = new List<string>();
        // Bounded, so a client without the deadline fails here instead of hanging the run (the fake never answers).
        var error = await Assert.ThrowsAsync<TimeoutException>(async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync(LlmTestServices.Conversation("Hours?")))
            {
                heard.Add(update.Text);
            }
        }).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("Let me", string.Concat(heard));
        Assert.Contains("Llm:RequestTimeout", error.Message, StringComparison.Ordinal);
    }

    private static IChatClient OpenAI(FakeLlmServer fake, out ServiceProvider services, Dictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?> { ["Llm:OpenAI:ApiKey"] = "sk-test", ["Llm:OpenAI:BaseUrl"] = fake.BaseUrl + "/v1" };
        foreach (var (key, value) in extra ?? [])
        {
            settings[key] = value;
        }

        services = LlmTestServices.Build(settings);
        var client = services.GetRequiredService<ILlmClientProvider>().GetClient(LlmTestServices.Agent(LlmProviders.OpenAI, Model));
        Assert.IsType<OpenAIChatClient>(client);
        return client;
    }
}
