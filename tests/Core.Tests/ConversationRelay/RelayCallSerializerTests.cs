using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using AgentOS.Voice.Calls;
using AgentOS.Voice.Conversation;
using AgentOS.Voice.Hosting;
using AgentOS.Voice.Twilio.ConversationRelay;

namespace AgentOS.Voice.Core.Tests.ConversationRelay;

/// <summary>The ConversationRelay serializer's mapping to and from the call core, without a socket.</summary>
public class RelayCallSerializerTests
{
    private static readonly RelayTicket Ticket = new("front-desk", "call-1", 2, DateTimeOffset.UnixEpoch, "token");

    [Theory]
    [InlineData("""{"type":"prompt","voicePrompt":"Hello","lang":"en-US","last":true}""", "CallerSaid Hello en-US")]
    [InlineData("""{"type":"prompt","voicePrompt":"Hel","lang":"en-US","last":false}""", "CallerSpeaking Hel")]
    [InlineData("""{"type":"dtmf","digit":"5"}""", "KeyPressed 5")]
    [InlineData("""{"type":"interrupt","utteranceUntilInterrupt":"We open","durationUntilInterruptMs":640}""", "CallerInterrupted We open 640")]
    [InlineData("""{"type":"error","description":"Invalid message"}""", "TransportError Invalid message")]
    [InlineData("""{"type":"info","name":"roundTripDelayMs","value":30}""", "none")]
    [InlineData("""{"type":"somethingNew"}""", "none")]
    public void Each_message_becomes_the_input_it_carries(string json, string expected)
    {
        var parsed = RelayMessageParser.Parse(Encoding.UTF8.GetBytes(json));
        Assert.True(parsed.Succeeded, parsed.Failure);

        var input = RelayCallInputs.From(parsed.Message!);

        var described = input switch
        {
            null => "none",
            CallerSaid s => $"CallerSaid {s.Text} {s.Language}",
            CallerSpeaking s => $"CallerSpeaking {s.Text}",
            KeyPressed k => $"KeyPressed {k.Key}",
            CallerInterrupted i => $"CallerInterrupted {i.HeardText} {i.DurationMs}",
            TransportError e => $"TransportError {e.Description}",
            _ => input.ToString(),
        };
        Assert.Equal(expected, described);
    }

    [Fact]
    public void A_setup_starts_the_ticket_s_call_only_when_its_parameters_name_that_call_and_agent()
    {
        Assert.Null(RelayCallInputs.MismatchWith(Setup(("callId", "call-1"), ("agentId", "front-desk")), Ticket));
        Assert.Equal("callId 'call-9'", RelayCallInputs.MismatchWith(Setup(("callId", "call-9"), ("agentId", "front-desk")), Ticket));
        Assert.Equal("agentId ''", RelayCallInputs.MismatchWith(Setup(("callId", "call-1")), Ticket));
    }

    [Fact]
    public void The_call_start_takes_ids_from_the_ticket_and_the_caller_from_the_setup()
    {
        var setup = Setup(("callId", "call-1"), ("agentId", "front-desk"), (VoiceTelemetry.TraceParentParameter, "00-abc-def-01")) with
        {
            CallSid = "CA1",
            Direction = "inbound",
            From = "+15550101234",
            To = "+15550000002",
        };
        var context = new Dictionary<string, string> { ["name"] = "Ada" };

        var start = RelayCallInputs.Start(setup, Ticket, context);

        Assert.Equal(("call-1", 2, "CA1", "inbound", "+15550101234", "+15550000002", "00-abc-def-01"),
            (start.CallId, start.Attempt, start.CallSid, start.Direction, start.From, start.To, start.TraceParent));
        Assert.Equal("Ada", start.Context["name"]);
        Assert.Same(CallStart.NoContext, RelayCallInputs.Start(setup, Ticket, null).Context);
    }

    [Fact]
    public async Task Outputs_go_out_as_frames_in_order_and_end_closes_after_its_frame()
    {
        var sink = new RecordingSink();
        using var output = new RelayCallOutput(sink);

        await output.SayAsync("We", last: false, CancellationToken.None);
        await output.SayAsync(" open", last: true, CancellationToken.None);
        await output.SendDigitsAsync("12", CancellationToken.None);
        await output.SwitchLanguageAsync("es-ES", null, CancellationToken.None);
        await output.EndAsync("""{"reason":"person"}""", CancellationToken.None);
        await output.SayAsync("too late", last: true, CancellationToken.None);

        Assert.Equal(
        [
            """{"type":"text","token":"We","last":false}""",
            """{"type":"text","token":" open","last":true}""",
            """{"type":"sendDigits","digits":"12"}""",
            """{"type":"language","ttsLanguage":"es-ES"}""",
            """{"type":"end","handoffData":"{\"reason\":\"person\"}"}""",
        ], sink.Sent);
        Assert.Equal([(WebSocketCloseStatus.NormalClosure, "session ended")], sink.Closes);
    }

    [Fact]
    public async Task Ending_from_our_side_sends_end_then_closes_and_a_gone_connection_still_gets_the_close()
    {
        var sink = new RecordingSink();
        using var output = new RelayCallOutput(sink);
        await output.EndAndCloseAsync("idle timeout");
        Assert.Equal("end", (string?)JsonNode.Parse(Assert.Single(sink.Sent))!["type"]);
        Assert.Equal([(WebSocketCloseStatus.NormalClosure, "idle timeout")], sink.Closes);

        // Nothing can be sent any more; the close is still asked for, and the sink decides whether one is due.
        var gone = new RecordingSink { Open = false };
        using var quiet = new RelayCallOutput(gone);
        await quiet.EndAndCloseAsync("server shutting down");
        Assert.Empty(gone.Sent);
        Assert.Single(gone.Closes);
    }

    private static SetupMessage Setup(params (string Name, string Value)[] parameters) => new()
    {
        CustomParameters = parameters.ToDictionary(p => p.Name, p => p.Value),
    };

    private sealed class RecordingSink : IRelayFrameSink
    {
        public bool Open { get; init; } = true;

        public List<string> Sent { get; } = [];

        public List<(WebSocketCloseStatus, string)> Closes { get; } = [];

        public bool CanSend => Open && Closes.Count == 0;

        public ValueTask SendAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
        {
            Sent.Add(Encoding.UTF8.GetString(frame.Span));
            return ValueTask.CompletedTask;
        }

        public ValueTask CloseAsync(WebSocketCloseStatus status, string description, CancellationToken cancellationToken)
        {
            Closes.Add((status, description));
            return ValueTask.CompletedTask;
        }
    }
}
