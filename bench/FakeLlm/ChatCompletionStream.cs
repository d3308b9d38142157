using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace AgentOS.Voice.Bench.FakeLlm;

/// <summary>
/// POST /v1/chat/completions with stream:true, answered in OpenAI's streaming format: <c>data: {chunk}</c> events of
/// object chat.completion.chunk (role first, then content deltas, then finish_reason "stop"), then <c>data: [DONE]</c>.
/// Tokens are written on an absolute schedule (TTFT, then one per 1/rate s) so a late timer shows as lateness, not drift.
/// The last user message may start with a tag in brackets ("[s12t3] ..."): the load tool's way to match streams to turns.
/// </summary>
internal static class ChatCompletionStream
{
    private static readonly string[] Words =
        ["We", " are", " open", " Monday", " to", " Friday,", " from", " nine", " in", " the", " morning", " until", " five",
         " in", " the", " afternoon,", " and", " on", " Saturday", " from", " ten", " to", " two;", " holidays", " vary", " so",
         " please", " check", " ahead", " today."];

    public static async Task HandleAsync(HttpContext context, RequestLog log, IOptions<FakeLlmOptions> options, FirstTokenTimer firstTokenTimer)
    {
        // Stamped before the body is parsed: parsing is the fake's work, and the TTFT runs from the request's arrival.
        var receivedAt = Stopwatch.GetTimestamp();
        var o = options.Value;
        using var body = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        if (!body.RootElement.TryGetProperty("stream", out var stream) || stream.ValueKind != JsonValueKind.True)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsJsonAsync(new { error = new { message = "This fake only streams (stream: true).", type = "invalid_request_error", code = "stream_required" } });
            return;
        }

        var record = log.Start(TagOf(body.RootElement), receivedAt);
        var aborted = context.RequestAborted;
        using var onAbort = aborted.Register(() => log.Aborted(record, Stopwatch.GetTimestamp()));

        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        var id = "chatcmpl-" + Guid.NewGuid().ToString("N")[..24];
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var model = body.RootElement.TryGetProperty("model", out var m) ? m.GetString() ?? "fake" : "fake";
        var interval = Stopwatch.Frequency / o.TokensPerSecond;
        var firstAt = record.ReceivedAt + (long)(o.TtftMs / 1000.0 * Stopwatch.Frequency);
        try
        {
            for (var i = 0; i < o.Tokens; i++)
            {
                var due = firstAt + (long)(i * interval);
                await (i == 0 ? firstTokenTimer.WaitUntilAsync(due, aborted) : UntilAsync(due, aborted));

                var chunk = new StringBuilder();
                if (i == 0)
                {
                    chunk.Append(Chunk(id, created, model, """{"role":"assistant","content":""}""", null));
                }

                chunk.Append(Chunk(id, created, model, "{\"content\":" + JsonSerializer.Serialize(Words[i % Words.Length]) + "}", null));
                await context.Response.WriteAsync(chunk.ToString(), aborted);
                await context.Response.Body.FlushAsync(aborted);
                var now = Stopwatch.GetTimestamp();
                log.Late(Stopwatch.GetElapsedTime(due, now).TotalMilliseconds);
                if (i == 0)
                {
                    record.FirstTokenAt = now;
                }

                record.LastTokenAt = now;
                record.TokensWritten++;
            }

            await context.Response.WriteAsync(Chunk(id, created, model, "{}", "stop") + "data: [DONE]\n\n", aborted);
            await context.Response.Body.FlushAsync(aborted);
            record.Completed = true;
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client closed the stream (an interrupt). Recorded here too: RequestAborted runs its callbacks in
            // turn, the token delay's first, and if this method gets to the end of its `using` before the cancelling
            // thread reaches onAbort, disposing the registration drops that callback unrun. That race lost 1 abort in
            // a few thousand, which the load tool printed as "streams never closed".
            log.Aborted(record, Stopwatch.GetTimestamp());
        }
    }

    /// <summary>
    /// Waits until <paramref name="due"/> (tokens after the first), never returning before it. Task.Delay counts whole
    /// milliseconds on a millisecond clock, so it returns up to 1 ms before the time asked for; one millisecond more
    /// than asked makes it late instead, by a few ms, which the load tool prints as the fake's token lateness.
    /// </summary>
    private static async Task UntilAsync(long due, CancellationToken aborted)
    {
        var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Ceiling(wait.TotalMilliseconds) + 1), aborted);
        }
    }

    private static string Chunk(string id, long created, string model, string delta, string? finishReason) =>
        $$"""data: {"id":"{{id}}","object":"chat.completion.chunk","created":{{created}},"model":{{JsonSerializer.Serialize(model)}},"choices":[{"index":0,"delta":{{delta}},"logprobs":null,"finish_reason":{{(finishReason is null ? "null" : $"\"{finishReason}\"")}}}]}""" + "\n\n";

    private static string TagOf(JsonElement root)
    {
        if (!root.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array)
        {
            return "";
        }

        string? last = null;
        foreach (var message in messages.EnumerateArray())
        {
            if (message.TryGetProperty("role", out var role) && role.ValueEquals("user") && message.TryGetProperty("content", out var content))
            {
                last = content.ValueKind == JsonValueKind.String ? content.GetString()
                    : content.ValueKind == JsonValueKind.Array && content.GetArrayLength() > 0 && content[0].TryGetProperty("text", out var text) ? text.GetString()
                    : null;
            }
        }

        if (last is null || !last.StartsWith('['))
        {
            return "";
        }

        var end = last.IndexOf(']');
        return end > 1 ? last[1..end] : "";
    }
}
