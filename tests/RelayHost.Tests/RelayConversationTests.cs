using System.Text;
using System.Text.Json;
using AgentOS.Voice.Agents;
using AgentOS.Voice.Calls;
using AgentOS.Voice.Conversation;
using AgentOS.Voice.TestSupport;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace AgentOS.Voice.RelayHost.Tests;

[Collection(RelayCollection.Name)]
public sealed class RelayConversationTests(AzuriteFixture azurite) : IDisposable
{
    private readonly RelayTestHost _host = new(azurite);

    private ICallStore Calls => _host.Services.GetRequiredService<ICallStore>();

    [Fact]
    public async Task A_whole_conversation_streams_tokens_in_order_and_stores_transcript_and_timings()
    {
        var agent = _host.AddAgent();
        _host.Models.For(agent).Reply("Sure, ", "Friday ", "works.");
        var callId = "c-" + Guid.NewGuid().ToString("n")[..8];
        await _host.Services.GetRequiredService<ICallContextStore>().SaveAsync(new CallContext
        {
            CallId = callId, AgentId = agent.Id, To = "+14155552671", From = agent.PhoneNumber,
            Context = new Dictionary<string, string> { ["name"] = "Ada" }, CreatedAt = DateTimeOffset.UtcNow,
        });
        await using var twilio = await _host.ConnectAsync(agent.Id, callId: callId);

        await twilio.SetupAsync("outbound");
        await twilio.PromptAsync("Can I move my appointment to Friday?");
        var answer = await twilio.ReceiveAnswerAsync();

        Assert.Equal(["Sure, ", "Friday ", "works.", ""], answer.Select(m => m.GetProperty("token").GetString()));
        Assert.Equal([false, false, false, true], answer.Select(m => m.GetProperty("last").GetBoolean()));
        Assert.Contains("Ada", _host.Models.For(agent).Requests.Single()[0].Text);

        var transcript = await WaitForTranscript(callId, t => t.Count == 3);
        Assert.Equal(
            [(TurnRole.Agent, "Hello Ada!"), (TurnRole.Caller, "Can I move my appointment to Friday?"), (TurnRole.Agent, "Sure, Friday works.")],
            transcript.Select(t => (t.Role, t.Text)));
        Assert.Equal(3, transcript[2].TokenCount);
        Assert.NotNull(transcript[2].FirstTokenMs);
        Assert.False(transcript[2].Interrupted);

        await twilio.DisposeAsync();
        var record = await WaitForCall(callId, c => c.State == CallState.Ended);
        Assert.Equal((agent.Id, "outbound", CallEndReasons.CallerHungUp), (record.AgentId, record.Direction, record.EndReason));
        Assert.Equal("Sure, Friday works.".Length, record.CharactersSpoken);
    }

    [Fact]
    public async Task An_interrupt_mid_answer_leaves_exactly_the_heard_part_and_no_stale_token_follows()
    {
        var agent = _host.AddAgent();
        var model = _host.Models.For(agent).Endless("old").Reply("new ", "answer");
        var callId = "c-" + Guid.NewGuid().ToString("n")[..8];
        await using var twilio = await _host.ConnectAsync(agent.Id, callId: callId);
        await twilio.SetupAsync("outbound");

        await twilio.PromptAsync("Tell me everything.");
        var heard = new StringBuilder();
        for (var i = 0; i < 3; i++)
        {
            heard.Append((await twilio.ReceiveAsync())!.Value.GetProperty("token").GetString());
        }

        await twilio.SendAsync(JsonSerializer.Serialize(new { type = "interrupt", utteranceUntilInterrupt = heard.ToString().TrimEnd(), durationUntilInterruptMs = "912.5" }));
        await twilio.PromptAsync("Stop. Just the short version.");
        var after = await twilio.ReceiveAnswerAsync();

        var tokens = after.Select(m => m.GetProperty("token").GetString()!).ToList();
        var firstNew = tokens.IndexOf("new ");
        Assert.True(firstNew >= 0, string.Join("|", tokens));
        Assert.All(tokens.Skip(firstNew), t => Assert.DoesNotContain("old", t));
        Assert.All(after.Take(firstNew), m => Assert.False(m.GetProperty("last").GetBoolean()));
        Assert.Equal(["new ", "answer", ""], tokens.Skip(firstNew));
        // Both model streams are closed: the interrupted one by the cancel, the new one when its answer ended. The
        // interrupted generation unwinds on its own task (the interrupt does not wait for it), so its close may land
        // after the new answer.
        await Eventually.True(() => model.StreamsClosed == 2, "both model streams closed");

        var transcript = await WaitForTranscript(callId, t => t.Count == 5);
        var interrupted = transcript[2];
        Assert.Equal((TurnRole.Agent, heard.ToString().TrimEnd(), true), (interrupted.Role, interrupted.Text, interrupted.Interrupted));
        Assert.Equal("new answer", transcript[4].Text);
        Assert.Equal(ChatRole.Assistant, model.Requests.Last()[^2].Role);
        Assert.Equal(heard.ToString().TrimEnd(), model.Requests.Last()[^2].Text);
    }

    [Fact]
    public async Task A_new_prompt_while_answering_cancels_the_old_answer()
    {
        var agent = _host.AddAgent();
        var model = _host.Models.For(agent).Endless("old").Reply("fresh");
        await using var twilio = await _host.ConnectAsync(agent.Id);
        await twilio.SetupAsync();

        await twilio.PromptAsync("First");
        Assert.StartsWith("old-", (await twilio.ReceiveAsync())!.Value.GetProperty("token").GetString());
        await twilio.PromptAsync("Second");
        var tokens = (await twilio.ReceiveAnswerAsync()).Select(m => m.GetProperty("token").GetString()!).ToList();

        Assert.Equal(["fresh", ""], tokens.SkipWhile(t => t.StartsWith("old-")));
        await Eventually.True(() => model.StreamsClosed == 2, "both model streams closed");
    }

    [Fact]
    public async Task A_dtmf_menu_handoff_ends_with_handoff_data_as_a_json_string_and_closes()
    {
        var agent = _host.AddAgent(a => a with { TransferNumber = "+15005550009", DtmfMenu = new Dictionary<string, DtmfAction> { ["0"] = new(DtmfActionKind.Handoff) } });
        await using var twilio = await _host.ConnectAsync(agent.Id);
        await twilio.SetupAsync();

        await twilio.SendAsync("""{"type":"dtmf","digit":"0"}""");
        var messages = await twilio.ReceiveAnswerAsync();
        var end = (await twilio.ReceiveAnswerAsync()).Single();

        Assert.Equal("text", messages.Single().GetProperty("type").GetString());
        Assert.Equal("end", end.GetProperty("type").GetString());
        Assert.Equal(JsonValueKind.String, end.GetProperty("handoffData").ValueKind);
        using var data = JsonDocument.Parse(end.GetProperty("handoffData").GetString()!);
        Assert.Equal(HandoffData.LiveAgentHandoff, data.RootElement.GetProperty("reasonCode").GetString());
        Assert.Null(await twilio.ReceiveAsync());
        Assert.Equal(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, twilio.Socket.CloseStatus);
    }

    [Fact]
    public async Task A_key_outside_the_menu_is_given_to_the_model()
    {
        var agent = _host.AddAgent();
        var model = _host.Models.For(agent).Reply("You chose three.");
        await using var twilio = await _host.ConnectAsync(agent.Id);
        await twilio.SetupAsync();

        await twilio.SendAsync("""{"type":"dtmf","digit":"3"}""");

        Assert.Equal("You chose three.", (await twilio.ReceiveAnswerAsync())[0].GetProperty("token").GetString());
        Assert.Contains("pressed 3", model.Requests.Single()[^1].Text);
    }

    [Fact]
    public async Task The_handoff_tool_sends_end_with_handoff_data()
    {
        var agent = _host.AddAgent(a => a with { TransferNumber = "+15005550009" });
        _host.Models.For(agent).Tool(ConversationTools.HandoffToHuman, "reason", "billing dispute");
        await using var twilio = await _host.ConnectAsync(agent.Id);
        await twilio.SetupAsync();

        await twilio.PromptAsync("I want a person.");
        var spoken = await twilio.ReceiveAnswerAsync();
        var end = (await twilio.ReceiveAnswerAsync()).Single();

        Assert.True(spoken[^1].GetProperty("last").GetBoolean());
        Assert.Contains("billing dispute", end.GetProperty("handoffData").GetString());
        Assert.Null(await twilio.ReceiveAsync());
    }

    [Fact]
    public async Task The_end_call_tool_says_goodbye_then_ends()
    {
        var agent = _host.AddAgent();
        _host.Models.For(agent).Tool(ConversationTools.EndCall, "goodbye", "Have a nice day!");
        await using var twilio = await _host.ConnectAsync(agent.Id);
        await twilio.SetupAsync();

        await twilio.PromptAsync("That's all, thanks.");
        var spoken = await twilio.ReceiveAnswerAsync();
        var end = (await twilio.ReceiveAnswerAsync()).Single();

        Assert.Equal(["Have a nice day!", ""], spoken.Select(m => m.GetProperty("token").GetString()));
        Assert.Equal("""{"type":"end"}""", end.GetRawText());
        Assert.Null(await twilio.ReceiveAsync());
    }

    [Fact]
    public async Task The_switch_language_tool_sends_a_language_message()
    {
        var agent = _host.AddAgent();
        _host.Models.For(agent).Tool(ConversationTools.SwitchLanguage, "language", "es-ES").Reply("¡Claro!");
        await using var twilio = await _host.ConnectAsync(agent.Id);
        await twilio.SetupAsync();

        await twilio.PromptAsync("¿Hablas español?");
        var messages = await twilio.ReceiveAnswerAsync();

        Assert.Equal("""{"type":"language","ttsLanguage":"es-ES","transcriptionLanguage":"es-ES"}""", messages[0].GetRawText());
        Assert.Equal("¡Claro!", messages[1].GetProperty("token").GetString());
    }

    [Fact]
    public async Task A_provider_error_gives_an_apology_and_the_next_prompt_is_answered()
    {
        var agent = _host.AddAgent();
        _host.Models.For(agent).Failing().Reply("Back again.");
        await using var twilio = await _host.ConnectAsync(agent.Id);
        await twilio.SetupAsync();

        await twilio.PromptAsync("Hello?");
        var failed = await twilio.ReceiveAnswerAsync();
        await twilio.PromptAsync("Hello again?");
        var next = await twilio.ReceiveAnswerAsync();

        Assert.Contains(new ConversationOptions().ApologyText, failed[^1].GetProperty("token").GetString());
        Assert.True(failed[^1].GetProperty("last").GetBoolean());
        Assert.Equal(["Back again.", ""], next.Select(m => m.GetProperty("token").GetString()));
    }

    [Fact]
    public async Task Every_malformed_frame_and_unknown_type_is_survived_and_twilio_errors_are_kept_on_the_call()
    {
        var agent = _host.AddAgent();
        _host.Models.For(agent).Reply("Still here.");
        var callId = "c-" + Guid.NewGuid().ToString("n")[..8];
        await using var twilio = await _host.ConnectAsync(agent.Id, callId: callId);
        await twilio.SetupAsync("outbound");

        var vectors = RepoPaths.Vectors("conversation-relay.json");
        foreach (var bad in vectors.GetProperty("malformedFromTwilio").EnumerateArray())
        {
            await twilio.SendAsync(bad.GetProperty("text").GetString()!);
        }

        // An empty text message: between messages the session waits with a zero-byte receive, which this one completes.
        await twilio.Socket.SendAsync(Array.Empty<byte>(), System.Net.WebSockets.WebSocketMessageType.Text, true, CancellationToken.None);
        await twilio.Socket.SendAsync(new byte[] { 1, 2, 3 }, System.Net.WebSockets.WebSocketMessageType.Binary, true, CancellationToken.None);
        // Over RelayHost:MaxMessageBytes (64 KB), read in many pieces: skipped whole, not half-parsed.
        await twilio.SendAsync("{\"type\":\"prompt\",\"voicePrompt\":\"" + new string('x', 70 * 1024) + "\",\"last\":true}");
        await twilio.SendAsync("""{"type":"somethingNew","foo":1}""");
        await twilio.SendAsync("""{"type":"info","name":"clientSpeaking","value":"on"}""");
        await twilio.SendAsync("""{"type":"error","description":"Invalid message received"}""");
        // Two frames, and longer than the initial receive buffer: joined into one message.
        var longPrompt = "Are you still there? " + new string('y', 3000);
        await SendInTwoFramesAsync(twilio, $$"""{"type":"prompt","voicePrompt":"{{longPrompt}}","lang":"en-US","last":true}""");

        Assert.Equal(["Still here.", ""], (await twilio.ReceiveAnswerAsync()).Select(m => m.GetProperty("token").GetString()));
        Assert.Equal(longPrompt, _host.Models.For(agent).Requests.Single()[^1].Text);
        await twilio.DisposeAsync();
        var record = await WaitForCall(callId, c => c.State == CallState.Ended);
        Assert.Equal("Invalid message received", record.LastError);
    }

    private static async Task SendInTwoFramesAsync(TwilioSocket twilio, string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        await twilio.Socket.SendAsync(bytes.AsMemory(0, 10), System.Net.WebSockets.WebSocketMessageType.Text, false, CancellationToken.None);
        await twilio.Socket.SendAsync(bytes.AsMemory(10), System.Net.WebSockets.WebSocketMessageType.Text, true, CancellationToken.None);
    }

    [Fact]
    public async Task A_retried_session_adds_its_turns_to_the_transcript_and_leaves_the_first_sessions_alone()
    {
        var agent = _host.AddAgent(a => a with { Greeting = "Hello!" });
        _host.Models.For(agent).Reply("First answer.").Reply("Second answer.");
        var callId = "c-" + Guid.NewGuid().ToString("n")[..8];
        await using (var first = await _host.ConnectAsync(agent.Id, callId: callId))
        {
            await first.SetupAsync();
            await first.PromptAsync("One?");
            await first.ReceiveAnswerAsync();
        }

        await WaitForTranscript(callId, t => t.Count == 3);
        await Eventually.True(() => _host.Services.GetRequiredService<RelaySessionRegistry>().LiveSessions == 0, "the first session ended");

        // Twilio reported the first session failed; relay-action answered with the TwiML of session 2.
        await using (var second = await _host.ConnectAsync(agent.Id, callId: callId, query: _host.Ticket(agent.Id, callId, attempt: 2)))
        {
            await second.SetupAsync();
            await second.PromptAsync("Two?");
            await second.ReceiveAnswerAsync();
        }

        var transcript = await WaitForTranscript(callId, t => t.Count == 6);
        Assert.Equal(
            [(1, 0, "Hello!"), (1, 1, "One?"), (1, 2, "First answer."), (2, 0, "Hello!"), (2, 1, "Two?"), (2, 2, "Second answer.")],
            transcript.Select(t => (t.Attempt, t.Index, t.Text)));
    }

    private async Task<IReadOnlyList<TranscriptTurn>> WaitForTranscript(string callId, Func<IReadOnlyList<TranscriptTurn>, bool> done)
    {
        IReadOnlyList<TranscriptTurn> turns = [];
        for (var i = 0; i < 200 && !done(turns); i++)
        {
            await Task.Delay(25);
            turns = await Calls.GetTranscriptAsync(callId);
        }

        Assert.True(done(turns), "transcript: " + string.Join(" | ", turns.Select(t => $"{t.Index}:{t.Role}:{t.Text}")));
        return turns;
    }

    private async Task<CallRecord> WaitForCall(string callId, Func<CallRecord, bool> done)
    {
        CallRecord? call = null;
        for (var i = 0; i < 200 && (call is null || !done(call)); i++)
        {
            await Task.Delay(25);
            call = await Calls.GetCallAsync(callId);
        }

        Assert.True(call is not null && done(call), $"call record: {call}");
        return call!;
    }

    public void Dispose() => _host.Dispose();
}
