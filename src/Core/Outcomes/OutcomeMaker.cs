using System.Globalization;
using System.Text.Json;
using AgentOS.Voice.Agents;
using AgentOS.Voice.Calls;
using AgentOS.Voice.Events;
using AgentOS.Voice.Hosting;
using AgentOS.Voice.Messages;
using AgentOS.Voice.Storage;
using Microsoft.Extensions.Options;

namespace AgentOS.Voice.Outcomes;

/// <summary>
/// The worker of <see cref="OutcomeOptions.RequestQueue"/>: makes the outcome of an ended call or message once, stores it,
/// and hands it to delivery (the <c>call-outcomes</c> queue, and the webhook queue when the agent has a URL). Each step
/// can be repeated: a second request finds the stored outcome and only finishes what a crash may have left undone.
/// When live events are configured the outcome is also published (<c>agentos.voice.call.outcome</c> /
/// <c>message.outcome</c>), best effort like every event: the queue and the webhook are the deliveries to rely on.
/// </summary>
public sealed class OutcomeMaker(
    ICallStore calls,
    IVoiceMessageStore messages,
    IAgentStore agents,
    OutcomeStore store,
    OutcomeSummarizer summarizer,
    OutcomeRecordings recordings,
    QueueSender queues,
    IOptions<OutcomePrices> prices,
    TimeProvider time,
    VoiceEventPublisher events)
{
    /// <summary>Queue Storage takes 64 KiB, and base64 makes 48 KiB of text of that; the rest is headroom.</summary>
    public const int MaxQueueCopyBytes = 45_000;

    public async Task ProcessAsync(string queueMessage, CancellationToken cancellationToken = default)
    {
        var request = JsonSerializer.Deserialize(queueMessage, OutcomeJson.Default.OutcomeRequest)
                      ?? throw new FormatException("The outcome request is empty.");
        var stored = await store.GetAsync(request.AgentId, request.Kind, request.Id, cancellationToken);
        if (stored is { Dispatched: true })
        {
            return;
        }

        var outcome = stored?.Outcome;
        if (outcome is null)
        {
            var made = await MakeAsync(request, cancellationToken);
            // Another worker may have stored one meanwhile: theirs is the outcome, delivered with its webhook-id.
            if (await store.TryAddAsync(made, request.Kind, cancellationToken))
            {
                outcome = made;
                VoiceTelemetry.Outcomes.Add(1, new KeyValuePair<string, object?>("kind", request.Kind), new KeyValuePair<string, object?>("status", made.Status));
            }
            else
            {
                outcome = (await store.GetAsync(request.AgentId, request.Kind, request.Id, cancellationToken))!.Value.Outcome;
            }
        }

        await store.UpsertRowAsync(outcome, request.Kind, cancellationToken);
        await DispatchAsync(outcome, request.Kind, cancellationToken);
        await store.MarkDispatchedAsync(request.AgentId, request.Kind, request.Id, cancellationToken);
    }

    private async Task<CallOutcome> MakeAsync(OutcomeRequest request, CancellationToken cancellationToken)
    {
        var agent = await agents.GetAsync(request.AgentId, cancellationToken)
                    ?? new Agent { Id = request.AgentId, Name = request.AgentId, PhoneNumber = string.Empty };
        var (outcome, header) = request.Kind switch
        {
            CallOutcome.CallKind => await FromCallAsync(request, cancellationToken),
            CallOutcome.MessageKind => await FromMessageAsync(request, cancellationToken),
            _ => throw new FormatException($"Unknown outcome kind '{request.Kind}'."),
        };
        var (summary, fields) = await summarizer.SummarizeAsync(agent, header, outcome.Transcript, cancellationToken);
        return outcome with { Summary = summary, Fields = fields, MadeAt = time.GetUtcNow() };
    }

    private async Task<(CallOutcome, string)> FromCallAsync(OutcomeRequest request, CancellationToken cancellationToken)
    {
        var call = await calls.GetCallAsync(request.Id, cancellationToken);
        if (call is not { State: CallState.Ended, EndedAt: { } endedAt })
        {
            throw new OutcomeNotReadyException($"Call {request.Id} has no ended record yet.");
        }

        var turns = await calls.GetTranscriptAsync(request.Id, cancellationToken);
        var transcript = turns.Select(t => new OutcomeTurn(t.Index, Role(t.Role), t.Text, t.Interrupted, t.ToolName, t.ToolMs, t.ToolFailed)).ToList();
        var firstTokens = turns.Where(t => t is { Role: TurnRole.Agent, FirstTokenMs: not null }).Select(t => t.FirstTokenMs!.Value).ToList();
        var httpTools = turns.Where(t => t.Role == TurnRole.Tool && (t.ToolMs is not null || t.ToolFailed)).ToList();
        var outcome = new CallOutcome
        {
            Type = "call.outcome",
            Id = call.CallId,
            WebhookId = WebhookId(CallOutcome.CallKind, call.CallId),
            AgentId = call.AgentId,
            Status = call.EndReason == CallEndReasons.HandedOff ? "handed-off" : "completed",
            EndReason = call.EndReason,
            Direction = call.Direction,
            From = call.From,
            To = call.To,
            StartedAt = call.StartedAt,
            EndedAt = endedAt,
            DurationSeconds = Math.Round(call.Duration.TotalSeconds, 1),
            Handoff = ParseJson(call.HandoffData),
            Transcript = transcript,
            Interruptions = turns.Count(t => t is { Role: TurnRole.Agent, Interrupted: true }),
            FirstTokenMs = Percentiles.Of(firstTokens),
            FirstTokenSamples = firstTokens,
            Tools = new ToolCallStats(httpTools.Count, httpTools.Count(t => t.ToolFailed), Percentiles.Of(httpTools.Where(t => t.ToolMs is not null).Select(t => t.ToolMs!.Value))),
            Cost = prices.Value.ForCall(call),
        };
        var header = string.Create(CultureInfo.InvariantCulture,
            $"A {call.Direction} call between {call.From} and {call.To}, {call.Duration.TotalSeconds:0} s, ended: {call.EndReason}.");
        return (outcome, header);
    }

    private async Task<(CallOutcome, string)> FromMessageAsync(OutcomeRequest request, CancellationToken cancellationToken)
    {
        var message = await messages.GetAsync(request.AgentId, request.Id, cancellationToken);
        if (message is null || !message.State.IsFinal())
        {
            throw new OutcomeNotReadyException($"Message {request.Id} has not reached a final state yet.");
        }

        var duration = message.CallDurationSeconds ?? 0;
        var outcome = new CallOutcome
        {
            Type = "message.outcome",
            Id = message.Id,
            WebhookId = WebhookId(CallOutcome.MessageKind, message.Id),
            AgentId = message.AgentId,
            Status = message.State.Name(),
            EndReason = message.Error?.Code,
            Direction = "outbound",
            To = message.To,
            StartedAt = message.ClaimedAt,
            EndedAt = message.UpdatedAt,
            DurationSeconds = duration,
            AnsweredBy = message.AnsweredBy,
            Transcript = [new OutcomeTurn(0, "agent", message.Text)],
            Recording = message.RecordingSid is { } sid
                ? new OutcomeRecording(sid, message.RecordingDurationSeconds, await recordings.CopyAsync(message, cancellationToken))
                : null,
            Cost = prices.Value.ForMessage(duration, message.Text.Length),
        };
        var header = $"A one-way voice message to {message.To}: {message.State.Name()}, answered by {message.AnsweredBy ?? "unknown"}.";
        return (outcome, header);
    }

    private async Task DispatchAsync(CallOutcome outcome, string kind, CancellationToken cancellationToken)
    {
        outcome = await recordings.WithLinkAsync(outcome, cancellationToken);
        var json = JsonSerializer.Serialize(outcome, OutcomeJson.Default.CallOutcome);
        if (System.Text.Encoding.UTF8.GetByteCount(json) > MaxQueueCopyBytes)
        {
            json = JsonSerializer.Serialize(outcome with { Transcript = [], TranscriptOmitted = true }, OutcomeJson.Default.CallOutcome);
        }

        await queues.SendAsync(OutcomeOptions.OutcomeQueue, json, cancellationToken: cancellationToken);
        PublishEvent(outcome, kind, json);
        var agent = await agents.GetAsync(outcome.AgentId, cancellationToken);
        if (agent?.OutcomeWebhookUrl is not null)
        {
            var delivery = new OutcomeDeliveryRequest(kind, outcome.AgentId, outcome.Id, 1, time.GetUtcNow());
            await queues.SendAsync(OutcomeOptions.WebhookQueue, JsonSerializer.Serialize(delivery, OutcomeJson.Default.OutcomeDeliveryRequest), cancellationToken: cancellationToken);
        }
    }

    public static string WebhookId(string kind, string id) => $"outcome_{kind}_{id}";

    /// <summary>
    /// The event carries the queue copy (transcript left out past 45 KB: a subscriber saw the turns as call events).
    /// A repeated dispatch publishes again with a new event id; subscribers dedupe by the data's <c>webhookId</c>.
    /// </summary>
    private void PublishEvent(CallOutcome outcome, string kind, string json)
    {
        if (!events.Enabled)
        {
            return;
        }

        using var doc = JsonDocument.Parse(json);
        var data = doc.RootElement.Clone();
        var now = time.GetUtcNow();
        events.Publish(kind == CallOutcome.CallKind
            ? VoiceEvent.ForCall(VoiceEventTypes.CallOutcome, outcome.AgentId, outcome.Id, now, data)
            : VoiceEvent.ForMessage(VoiceEventTypes.MessageOutcome, outcome.AgentId, outcome.Id, now, data));
    }

    private static string Role(TurnRole role) => role switch
    {
        TurnRole.Caller => "caller",
        TurnRole.Agent => "agent",
        _ => "tool",
    };

    private static JsonElement? ParseJson(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(json);
            return doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            return JsonSerializer.SerializeToElement(json, OutcomeJson.Default.String);
        }
    }
}
