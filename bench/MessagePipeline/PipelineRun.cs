using System.Diagnostics;
using System.Net.Http.Json;
using AgentOS.Voice.Messages;
using AgentOS.Voice.Simulator;
using AgentOS.Voice.Storage;
using AgentOS.Voice.TestSupport;
using Azure.Storage.Queues;

namespace AgentOS.Voice.Bench.MessagePipeline;

/// <summary>One phase's figures: messages per second, and enqueue → call-created latency.</summary>
public sealed record PhaseResult(string Phase, int Messages, double MessagesPerSecond, double P50Ms, double P99Ms, double MaxMs, int SpeechRequests);

/// <summary>
/// The real pipeline: jobs put on the voice-messages queue as an outside producer would, the Functions app's local
/// poller and handler, Azurite for tables, queues and blobs, a fixed-latency ElevenLabs stand-in, and the phone
/// simulator as Twilio. A cold phase renders every text; the warm phase sends the same texts again from the cache.
/// </summary>
public sealed class PipelineRun(int messages, TimeSpan ttsLatency)
{
    private const string AgentId = "bench";
    private const string Prefix = "bench";

    public async Task<IReadOnlyList<PhaseResult>> RunAsync(CancellationToken cancellationToken)
    {
        var azurite = new AzuriteFixture();
        await azurite.InitializeAsync();
        try
        {
            await using var speech = await FixedLatencySpeech.StartAsync(ttsLatency);
            await using var simulator = new PhoneSimulator(new PhoneSimulatorOptions { AuthToken = "bench-twilio-auth-token", TimeScale = 0.001 });
            await simulator.StartAsync(cancellationToken);

            var port = FreePort.Next();
            await using var app = new FunctionsApp(port, new Dictionary<string, string>
            {
                ["Storage:ConnectionString"] = azurite.ConnectionString,
                ["Storage:NamePrefix"] = Prefix,
                ["ManagementApi:ApiKeys:0"] = "bench-management-key-0123456789",
                ["Twilio:AccountSid"] = simulator.AccountSid,
                ["Twilio:AuthToken"] = simulator.Options.AuthToken,
                ["Twilio:ApiBaseUrl"] = simulator.BaseUrl,
                // Far above Twilio's default 1 CPS, so the figures are the pipeline's and not the account's rate limit.
                ["Twilio:CallsPerSecond"] = "1000",
                ["PublicUrls:FunctionsBaseUrl"] = $"http://127.0.0.1:{port}",
                ["Speech:Provider"] = "elevenlabs",
                ["Speech:ElevenLabs:ApiKey"] = "bench-key",
                // Outside Development the app starts only with a model provider named; no model is asked here.
                ["Llm:Scripted:Enabled"] = "true",
                ["Speech:ElevenLabs:BaseUrl"] = speech.BaseUrl,
                ["AzureFunctionsJobHost:extensions:queues:maxPollingInterval"] = "00:00:00.100",
            });
            app.StartServer();
            using var api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            api.DefaultRequestHeaders.Add("x-api-key", "bench-management-key-0123456789");
            (await api.PostAsJsonAsync("/api/agents", new { id = AgentId, name = "Bench", phoneNumber = "+15550009999" }, cancellationToken)).EnsureSuccessStatusCode();

            var queue = new QueueServiceClient(azurite.ConnectionString)
                .GetQueueClient(new StorageOptions { NamePrefix = Prefix }.Prefixed(VoiceMessageQueue.QueueName));
            await queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken);

            var cold = await PhaseAsync("cold cache", 0, queue, simulator, speech, cancellationToken);
            var warm = await PhaseAsync("warm cache", 1, queue, simulator, speech, cancellationToken);
            return [cold, warm];
        }
        finally
        {
            await azurite.DisposeAsync();
        }
    }

    private async Task<PhaseResult> PhaseAsync(
        string name, int phase, QueueClient queue, PhoneSimulator simulator, FixedLatencySpeech speech, CancellationToken cancellationToken)
    {
        var speechBefore = speech.Requests;
        var enqueuedAt = new Dictionary<string, DateTimeOffset>(messages);
        var clock = Stopwatch.StartNew();
        var firstEnqueue = DateTimeOffset.UtcNow;
        for (var i = 0; i < messages; i++)
        {
            // One number per message, so each simulated call maps back to the job that caused it; same texts per phase.
            var to = $"+1555{phase + 1}{i:D6}";
            var job = new VoiceMessageJob
            {
                AgentId = AgentId,
                To = to,
                Text = $"Reminder {i}: your appointment is tomorrow at nine.",
                IdempotencyKey = $"{name}-{i}",
            };
            enqueuedAt[to] = DateTimeOffset.UtcNow;
            await queue.SendEncodedAsync(job.ToJson(), cancellationToken: cancellationToken);
        }

        var deadline = TimeSpan.FromSeconds(120 + messages);
        while (simulator.Calls.Count(c => enqueuedAt.ContainsKey(c.To)) < messages)
        {
            if (clock.Elapsed > deadline)
            {
                throw new TimeoutException($"{name}: only {simulator.Calls.Count(c => enqueuedAt.ContainsKey(c.To))} of {messages} calls were placed in {deadline}.");
            }

            await Task.Delay(20, cancellationToken);
        }

        var calls = simulator.Calls.Where(c => enqueuedAt.ContainsKey(c.To)).ToList();
        var latencies = calls.Select(c => (c.DateCreated - enqueuedAt[c.To]).TotalMilliseconds).Order().ToArray();
        var span = calls.Max(c => c.DateCreated) - firstEnqueue;
        return new PhaseResult(name, messages, messages / span.TotalSeconds, Percentile(latencies, 0.50), Percentile(latencies, 0.99),
            latencies[^1], speech.Requests - speechBefore);
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}
