using System.Text.Json;
using AgentOS.Voice.Agents;
using AgentOS.Voice.Llm;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace AgentOS.Voice.Core.Tests.Llm;

/// <summary>Anthropic Messages streaming: named server-sent events, text_delta and input_json_delta blocks.</summary>
public class AnthropicStreamingTests
{
    private const string Model = "claude-haiku-4-5";

    private static async Task MessageStartAsync(HttpContext ctx)
    {
        await FakeLlmServer.BeginEventStreamAsync(ctx);
        await FakeLlmServer.SendEventAsync(ctx,
            $$$$"""{"type":"message_start","message":{"id":"msg_01","type":"message","role":"assistant","content":[],"model":"{{{{Model}}}}","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"output_tokens":1}}}""",
            "message_start");
    }

    private static async Task TextBlockAsync(HttpContext ctx, int index, IEnumerable<string> tokens)
    {
        await FakeLlmServer.SendEventAsync(ctx, $$$"""{"type":"content_block_start","index":{{{index}}},"content_block":{"type":"text","text":""}}""", "content_block_start");
        await FakeLlmServer.SendEventAsync(ctx, """{"type":"ping"}""", "ping");
        foreach (var token in tokens)
        {
            await FakeLlmServer.SendEventAsync(ctx,
                $$$"""{"type":"content_block_delta","index":{{{index}}},"delta":{"type":"text_delta","text":{{{JsonSerializer.Serialize(token)}}}}}""",
                "content_block_delta");
        }

        await FakeLlmServer.SendEventAsync(ctx, $$$"""{"type":"content_block_stop","index":{{{index}}}}""", "content_block_stop");
    }

    private static async Task MessageEndAsync(HttpContext ctx, string stopReason)
    {
        await FakeLlmServer.SendEventAsync(ctx,
            $$$"""{"type":"message_delta","delta":{"stop_reason":"{{{stopReason}}}","stop_sequence":null},"usage":{"output_tokens":15}}""",
            "message_delta");
        await FakeLlmServer.SendEventAsync(ctx, """{"type":"message_stop"}""", "message_stop");
    }

    private static ServiceProvider Services(FakeLlmServer fake) => LlmTestServices.Build(new Dictionary<string, string?>
    {
        ["Llm:Anthropic:ApiKey"] = "sk-ant-test-key",
        ["Llm:Anthropic:BaseUrl"] = fake.BaseUrl,
    });

    [Fact]
    public async Task Streams_text_deltas_and_sends_the_key_version_and_max_tokens()
    {
        await using var fake = await FakeLlmServer.StartAsync(async (ctx, _) =>
        {
            await MessageStartAsync(ctx);
            await TextBlockAsync(ctx, 0, ["Hello", "! How", " can I help?"]);
            await MessageEndAsync(ctx, "end_turn");
        });
        await using var services = Services(fake);
        var client = services.GetRequiredService<ILlmClientProvider>().GetClient(LlmTestServices.Agent(LlmProviders.Anthropic, Model));

        var tokens = new List<string>();
        ChatFinishReason? finish = null;
        await foreach (var update in client.GetStreamingResponseAsync(LlmTestServices.Conversation("Hi there")))
        {
            if (update.Text.Length > 0)
            {
                tokens.Add(update.Text);
            }

            finish ??= update.FinishReason;
        }

        Assert.Equal(["Hello", "! How", " can I help?"], tokens);
        Assert.Equal(ChatFinishReason.Stop, finish);
        var request = Assert.Single(fake.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/v1/messages", request.Path);
        // This SDK sends the key as a bearer token (not x-api-key); the configured key must be the one sent, never the environment's.
        Assert.Equal("Bearer sk-ant-test-key", request.Header("Authorization"));
        Assert.False(string.IsNullOrEmpty(request.Header("anthropic-version")));
        var body = request.Json;
        Assert.Equal(Model, body.GetProperty("model").GetString());
        Assert.Equal(256, body.GetProperty("max_tokens").GetInt32());
        Assert.True(body.GetProperty("stream").GetBoolean());
        Assert.Contains("helpful voice assistant", body.GetProperty("system").ToString(), StringComparison.Ordinal);
        var message = Assert.Single(body.GetProperty("messages").EnumerateArray());
        Assert.Equal("user", message.GetProperty("role").GetString());
    }

    [Fact]
    public async Task A_tool_use_block_arrives_as_a_function_call_after_the_text()
    {
        var handoff = AIFunctionFactory.Create((string reason) => reason, LlmToolNames.Handoff, "Transfer the caller to a person.");
        await using var fake = await FakeLlmServer.StartAsync(async (ctx, _) =>
        {
            await MessageStartAsync(ctx);
            await TextBlockAsync(ctx, 0, ["Connecting", " you now."]);
            await FakeLlmServer.SendEventAsync(ctx,
                """{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_01A","name":"handoff","input":{}}}""",
                "content_block_start");
            await FakeLlmServer.SendEventAsync(ctx,
                """{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}}""", "content_block_delta");
            await FakeLlmServer.SendEventAsync(ctx,
                """{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"reason\": \"asked for"}}""", "content_block_delta");
            await FakeLlmServer.SendEventAsync(ctx,
                """{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":" a person\"}"}}""", "content_block_delta");
            await FakeLlmServer.SendEventAsync(ctx, """{"type":"content_block_stop","index":1}""", "content_block_stop");
            await MessageEndAsync(ctx, "tool_use");
        });
        await using var services = Services(fake);
        var client = services.GetRequiredService<ILlmClientProvider>().GetClient(LlmTestServices.Agent(LlmProviders.Anthropic, Model));

        var contents = new List<AIContent>();
        await foreach (var update in client.GetStreamingResponseAsync(LlmTestServices.Conversation("A person please"), new ChatOptions { Tools = [handoff] }))
        {
            contents.AddRange(update.Contents.Where(c => c is TextContent { Text.Length: > 0 } or FunctionCallContent));
        }

        Assert.Equal("Connecting you now.", string.Concat(contents.OfType<TextContent>().Select(t => t.Text)));
        var call = Assert.IsType<FunctionCallContent>(contents[^1]);
        Assert.Equal("toolu_01A", call.CallId);
        Assert.Equal(LlmToolNames.Handoff, call.Name);
        Assert.Equal("asked for a person", call.Arguments![LlmToolNames.ReasonArgument]?.ToString());
        var tool = Assert.Single(Assert.Single(fake.Requests).Json.GetProperty("tools").EnumerateArray());
        Assert.Equal("handoff", tool.GetProperty("name").GetString());
    }
}
