using System.Diagnostics;
using System.Net;
using System.Text.Json;
using AgentOS.Voice.Conversation;
using AgentOS.Voice.Hosting;
using AgentOS.Voice.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace AgentOS.Voice.RelayHost.Tests;

/// <summary>
/// A real relay call's spans and metrics, read through the in-memory exporters on the app's own OpenTelemetry
/// providers. In the relay collection, so no other relay test's sessions run meanwhile and counts are exact.
/// </summary>
[Collection(RelayCollection.Name)]
public sealed class RelayTelemetryTests : IDisposable
{
    private readonly TelemetryCapture _telemetry = new();
    private readonly RelayTestHost _host;

    public RelayTelemetryTests(AzuriteFixture azurite)
    {
        _host = new RelayTestHost(azurite, _telemetry.AddTo);
        _telemetry.Attach(_host.Services);
    }

    [Fact]
    public async Task A_call_is_one_span_continuing_the_webhook_trace_with_a_span_per_turn_and_its_metrics()
    {
        var agent = _host.AddAgent(a => a with { TransferNumber = "+15005550009" });
        _host.Models.For(agent).Endless("old").Reply("Short ", "answer.").Tool(ConversationTools.HandoffToHuman, "reason", "billing");
        var webhook = ActivityContext.Parse("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", null);
        var liveBefore = _telemetry.Sum("agentos.voice.relay.sessions");
        var callId = "c-" + Guid.NewGuid().ToString("n")[..8];
        await using var twilio = await _host.ConnectAsync(agent.Id, callId: callId);
        await twilio.SetupAsync("outbound", traceParent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        Assert.Equal(liveBefore + 1, _telemetry.Sum("agentos.voice.relay.sessions"));

        await twilio.PromptAsync("Tell me everything.");
        var heard = (await twilio.ReceiveAsync())!.Value.GetProperty("token").GetString();
        await twilio.SendAsync(JsonSerializer.Serialize(new { type = "interrupt", utteranceUntilInterrupt = heard, durationUntilInterruptMs = "300" }));
        await twilio.PromptAsync("Just the short version.");
        var answer = await twilio.ReceiveAnswerAsync();
        Assert.Equal("answer.", answer[^2].GetProperty("token").GetString());
        await twilio.PromptAsync("A person, please.");
        while (await twilio.ReceiveAsync() is { } m && m.GetProperty("type").GetString() != "end")
        {
        }

        await Eventually.True(() => Task.FromResult(_telemetry.Spans.Any(s => s.OperationName == "call")), "the call span");
        var call = Assert.Single(_telemetry.Spans, s => s.OperationName == "call");
        Assert.Equal(webhook.TraceId, call.TraceId);
        Assert.Equal(webhook.SpanId, call.ParentSpanId);
        Assert.Equal(ActivityKind.Server, call.Kind);
        Assert.Equal(callId, call.GetTagItem(VoiceTelemetry.CallIdTag));
        Assert.Equal(agent.Id, call.GetTagItem(VoiceTelemetry.AgentIdTag));
        Assert.Equal("handed-off", call.GetTagItem("agentos.call.end_reason"));

        await Eventually.True(() => Task.FromResult(_telemetry.Spans.Count(s => s.OperationName == "turn") == 3), "three turn spans");
        var turns = _telemetry.Spans.Where(s => s.OperationName == "turn").OrderBy(s => s.StartTimeUtc).ToList();
        Assert.All(turns, t => Assert.Equal((call.TraceId, call.SpanId), (t.TraceId, t.ParentSpanId)));
        Assert.Equal([true, false, false], turns.Select(t => (bool)t.GetTagItem("agentos.turn.interrupted")!));
        Assert.Equal(["first_token"], turns[0].Events.Select(e => e.Name));
        Assert.Equal(["first_token", "last_token"], turns[1].Events.Select(e => e.Name));
        Assert.Equal(2, turns[1].GetTagItem("agentos.turn.tokens"));
        var tool = Assert.Single(_telemetry.Spans, s => s.OperationName == "tool");
        Assert.Equal((turns[2].TraceId, turns[2].SpanId), (tool.TraceId, tool.ParentSpanId));
        Assert.Equal(ConversationTools.HandoffToHuman, tool.GetTagItem("agentos.tool.name"));

        // Every turn that spoke gave one first-token time (the hand-off turn spoke the hand-off line).
        Assert.Equal(3, _telemetry.HistogramCount("agentos.voice.turn.first_token"));
        Assert.Equal(1, _telemetry.Sum("agentos.voice.turn.interrupts"));
        Assert.Equal(1, _telemetry.Sum("agentos.voice.call.handoffs"));
        // Twilio closes the socket after end.
        await twilio.DisposeAsync();
        await Eventually.True(() => Task.FromResult(_telemetry.Sum("agentos.voice.relay.sessions") == liveBefore), "the session counted out");
    }

    [Fact]
    public async Task A_model_failure_is_counted_as_a_provider_error_and_marks_the_turn()
    {
        var agent = _host.AddAgent();
        _host.Models.For(agent).Failing();
        await using var twilio = await _host.ConnectAsync(agent.Id);
        await twilio.SetupAsync();

        await twilio.PromptAsync("Hello?");
        await twilio.ReceiveAnswerAsync();

        Assert.Equal(1, _telemetry.Sum("agentos.voice.provider.errors", ("provider", "llm")));
        await Eventually.True(() => Task.FromResult(_telemetry.Spans.Any(s => s.OperationName == "turn")), "the turn span");
        Assert.Equal(ActivityStatusCode.Error, Assert.Single(_telemetry.Spans, s => s.OperationName == "turn").Status);
    }

    [Fact]
    public async Task Refused_upgrades_are_logged_and_counted_by_reason()
    {
        await using (var forged = await _host.ConnectAsync(_host.AddAgent().Id, signature: "bm90IGEgc2lnbmF0dXJl"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, forged.Status);
        }

        await using (var unknown = await _host.ConnectAsync("nobody"))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.Status);
        }

        _ = _host.Services.GetRequiredService<RelaySessionRegistry>().DrainAsync();
        await using (var draining = await _host.ConnectAsync(_host.AddAgent().Id))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, draining.Status);
        }

        Assert.Equal(1, _telemetry.Sum("agentos.voice.relay.refused", ("reason", "signature")));
        Assert.Equal(1, _telemetry.Sum("agentos.voice.relay.refused", ("reason", "no-agent")));
        Assert.Equal(1, _telemetry.Sum("agentos.voice.relay.refused", ("reason", "draining")));
        var refusals = _telemetry.Logs.Where(l => l.FormattedMessage?.StartsWith("Refused a relay upgrade", StringComparison.Ordinal) == true).ToList();
        Assert.Contains(refusals, l => l.FormattedMessage!.Contains("nobody") && l.LogLevel == Microsoft.Extensions.Logging.LogLevel.Warning);
        Assert.Contains(refusals, l => l.FormattedMessage!.Contains("draining") && l.LogLevel == Microsoft.Extensions.Logging.LogLevel.Warning);
    }

    public void Dispose() => _host.Dispose();
}
