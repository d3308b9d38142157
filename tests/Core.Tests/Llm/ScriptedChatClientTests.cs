using AgentOS.Voice.Agents;
using AgentOS.Voice.Llm;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;

namespace AgentOS.Voice.Core.Tests.Llm;

public class ScriptedChatClientTests
{
    private static readonly ScriptStep[] Script =
    [
        new("opening hours", "We are open nine to five."),
        new("representative", "Connecting you now.", "handoff"),
        new("goodbye", "Thanks for calling, bye.", "end_call"),
        new("french", "Bien sûr.", "switch_language:fr-FR"),
    ];

    private static async Task<List<ChatResponseUpdate>> StreamAsync(IChatClient client, params ChatMessage[] messages)
    {
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync(messages))
        {
            updates.Add(update);
        }

        return updates;
    }

    private static List<string> Tokens(IEnumerable<ChatResponseUpdate> updates) =>
        updates.SelectMany(u => u.Contents).OfType<TextContent>().Select(t => t.Text).ToList();

    [Fact]
    public async Task Streams_the_first_matching_reply_word_by_word_ignoring_case()
    {
        var client = new ScriptedChatClient(Script);

        var updates = await StreamAsync(client, new ChatMessage(ChatRole.User, "What are your OPENING HOURS please?"));

        Assert.Equal(["We ", "are ", "open ", "nine ", "to ", "five."], Tokens(updates));
        Assert.All(updates, u => Assert.Equal(ChatRole.Assistant, u.Role));
        Assert.Equal(ChatFinishReason.Stop, updates[^1].FinishReason);
        Assert.Empty(updates.SelectMany(u => u.Contents).OfType<FunctionCallContent>());
    }

    [Fact]
    public async Task Answers_the_last_caller_message_only()
    {
        var client = new ScriptedChatClient(Script);

        var updates = await StreamAsync(client,
            new ChatMessage(ChatRole.User, "opening hours?"),
            new ChatMessage(ChatRole.Assistant, "We are open nine to five."),
            new ChatMessage(ChatRole.User, "OK, goodbye"),
            new ChatMessage(ChatRole.Assistant, "opening hours"));

        Assert.Equal("Thanks for calling, bye.", string.Concat(Tokens(updates)));
    }

    [Fact]
    public async Task A_step_with_no_phrase_matches_anything_in_script_order()
    {
        var client = new ScriptedChatClient([new("refund", "Refunds take a week."), new(null, "Anything else?"), new("hours", "Never reached.")]);

        Assert.Equal("Anything else?", string.Concat(Tokens(await StreamAsync(client, new ChatMessage(ChatRole.User, "hours?")))));
        Assert.Equal("Refunds take a week.", string.Concat(Tokens(await StreamAsync(client, new ChatMessage(ChatRole.User, "A refund")))));
    }

    [Fact]
    public async Task Falls_back_politely_when_nothing_matches()
    {
        var client = new ScriptedChatClient(Script);

        var updates = await StreamAsync(client, new ChatMessage(ChatRole.User, "Tell me a joke"));

        Assert.Equal(ScriptedChatClient.FallbackReply, string.Concat(Tokens(updates)));
        Assert.StartsWith("Sorry, I can only help with a few things in this demo.", ScriptedChatClient.FallbackReply, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("I want a representative", "Connecting you now.", LlmToolNames.Handoff, LlmToolNames.ReasonArgument, "The caller said: I want a representative")]
    [InlineData("goodbye then", "Thanks for calling, bye.", LlmToolNames.EndCall, null, null)]
    [InlineData("French please", "Bien sûr.", LlmToolNames.SwitchLanguage, LlmToolNames.LanguageArgument, "fr-FR")]
    public async Task A_steps_tool_is_called_after_the_reply_text(string callerSays, string reply, string tool, string? argument, string? value)
    {
        var client = new ScriptedChatClient(Script);

        var updates = await StreamAsync(client, new ChatMessage(ChatRole.User, callerSays));

        var contents = updates.SelectMany(u => u.Contents).ToList();
        var call = Assert.IsType<FunctionCallContent>(contents[^1]);
        Assert.Equal(reply, string.Concat(contents.OfType<TextContent>().Select(t => t.Text)));
        Assert.Equal(tool, call.Name);
        Assert.StartsWith("call_", call.CallId, StringComparison.Ordinal);
        if (argument is null)
        {
            // end_call carries no goodbye: the reply already said it, and the session must not say it twice.
            Assert.Empty(call.Arguments!);
        }
        else
        {
            Assert.Equal(value, Assert.Single(call.Arguments!, a => a.Key == argument).Value);
        }

        Assert.Equal(ChatFinishReason.ToolCalls, updates[^1].FinishReason);
    }

    [Theory]
    [InlineData("Can I talk to a human?", LlmToolNames.Handoff, null)]
    [InlineData("Put me through to an agent", LlmToolNames.Handoff, null)]
    [InlineData("A real person please", LlmToolNames.Handoff, null)]
    [InlineData("Bye!", LlmToolNames.EndCall, null)]
    [InlineData("¿Hablas Español?", LlmToolNames.SwitchLanguage, "es-ES")]
    [InlineData("Spanish please", LlmToolNames.SwitchLanguage, "es-ES")]
    [InlineData("Hello", null, null)]
    public async Task An_agent_without_a_script_gets_the_default_one(string callerSays, string? tool, string? language)
    {
        var client = new ScriptedChatClient([]);

        var contents = (await StreamAsync(client, new ChatMessage(ChatRole.User, callerSays))).SelectMany(u => u.Contents).ToList();

        Assert.NotEqual(ScriptedChatClient.FallbackReply, string.Concat(contents.OfType<TextContent>().Select(t => t.Text)));
        var call = contents.OfType<FunctionCallContent>().SingleOrDefault();
        Assert.Equal(tool, call?.Name);
        if (language is not null)
        {
            Assert.Equal(language, call!.Arguments![LlmToolNames.LanguageArgument]);
        }
    }

    [Fact]
    public async Task Cancelling_after_two_tokens_ends_the_stream_with_no_further_updates()
    {
        var client = new ScriptedChatClient(Script);
        using var cts = new CancellationTokenSource();
        var received = new List<string>();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "opening hours")], cancellationToken: cts.Token))
            {
                received.Add(update.Text);
                if (received.Count == 2)
                {
                    cts.Cancel();
                }
            }
        });

        Assert.Equal(["We ", "are "], received);
    }

    [Fact]
    public async Task Paces_each_token_by_the_configured_delay_on_the_given_clock()
    {
        var time = new FakeTimeProvider();
        var client = new ScriptedChatClient([new(null, "One two")], TimeSpan.FromMilliseconds(200), time);
        await using var stream = client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "hi")]).GetAsyncEnumerator();

        var first = stream.MoveNextAsync();
        Assert.False(first.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(200));
        Assert.True(await first);
        Assert.Equal("One ", stream.Current.Text);

        var second = stream.MoveNextAsync();
        Assert.False(second.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(200));
        Assert.True(await second);
        Assert.Equal("two", stream.Current.Text);
    }

    [Fact]
    public async Task Cancellation_interrupts_a_token_delay_at_once()
    {
        var time = new FakeTimeProvider();
        var client = new ScriptedChatClient([new(null, "One two")], TimeSpan.FromSeconds(5), time);
        using var cts = new CancellationTokenSource();
        await using var stream = client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "hi")], cancellationToken: cts.Token).GetAsyncEnumerator();

        var first = stream.MoveNextAsync();
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await first);
    }

    [Fact]
    public async Task Says_it_is_scripted_and_aggregates_a_whole_response()
    {
        var client = new ScriptedChatClient(Script);

        var metadata = client.GetService<ChatClientMetadata>();
        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "opening hours")]);

        Assert.Equal("scripted", metadata?.ProviderName);
        Assert.Equal("We are open nine to five.", response.Text);
        Assert.Equal("scripted", response.ModelId);
    }
}
