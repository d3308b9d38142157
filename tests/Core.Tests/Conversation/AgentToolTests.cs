using System.Text;
using System.Text.Json;
using AgentOS.Voice.Agents;
using AgentOS.Voice.Calls;
using AgentOS.Voice.Conversation;
using AgentOS.Voice.Llm;
using AgentOS.Voice.TestSupport;
using AgentOS.Voice.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AgentOS.Voice.Core.Tests.Conversation;

/// <summary>
/// An agent's own HTTP tool called mid-call: a real Kestrel endpoint plays the agent's system, the scripted model
/// asks for the tool and reads its answer, the clock is fake so the filler and the timeout are driven by the test.
/// </summary>
public sealed class AgentToolTests : IAsyncLifetime
{
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.Zero));
    private readonly RecordingOutput _output = new();
    private readonly MemoryRecorder _recorder = new();
    private readonly List<(Dictionary<string, string> Headers, string Body)> _requests = [];
    private readonly TaskCompletionSource _requestArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Func<HttpContext, Task> _answer = context => context.Response.WriteAsync("{}");
    private WebApplication _endpoint = null!;
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        _endpoint = await LoopbackApp.StartAsync(app => app.MapPost("/tools/book", async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            lock (_requests) _requests.Add((context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), body));
            _requestArrived.TrySetResult();
            await _answer(context);
        }));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["AgentEndpoints:AllowLoopback"] = "true" }).Build();
        _services = new ServiceCollection().AddSingleton<TimeProvider>(_time).AddAgentEndpoints(configuration)
            .AddSingleton(Options.Create(new ConversationOptions()))
            .AddSingleton<IAgentToolClient, AgentToolClient>()
            .BuildServiceProvider();
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _endpoint.DisposeAsync();
    }

    private Agent NewAgent() => new()
    {
        Id = "clinic",
        Name = "Clinic",
        PhoneNumber = "+15005550006",
        WebhookSecret = Secret,
        Tools =
        [
            new AgentTool
            {
                Name = "book_slot",
                Description = "Books a slot.",
                Parameters = JsonDocument.Parse("""{"type":"object","properties":{"time":{"type":"string"}},"required":["time"]}""").RootElement.Clone(),
                Url = _endpoint.BaseUrl() + "/tools/book",
                TimeoutSeconds = 3,
            },
        ],
        Script =
        [
            new ScriptStep("book", "Let me book that.", "book_slot"),
            new ScriptStep("hours", "We open at nine."),
        ],
    };

    private ConversationSession Start(Agent agent) => new(
        agent, new CallStart { CallId = "call-7", CallSid = "CA7", Direction = "inbound" }, new ScriptedChatClient(agent.Script, timeProvider: _time),
        _output, _recorder, new ConversationOptions(), _time, NullLogger.Instance, _services.GetRequiredService<IAgentToolClient>());

    private string Spoken() => string.Concat(_output.Sent.Where(s => s.StartsWith("text:")).Select(s => s["text:".Length..].Replace("|last", "")));

    private TranscriptTurn ToolTurn() => _recorder.Turns.Single(t => t.Role == TurnRole.Tool);

    [Fact]
    public async Task The_tool_gets_signed_arguments_with_an_idempotency_key_and_its_answer_is_spoken_and_kept_in_the_transcript()
    {
        _answer = context => context.Response.WriteAsJsonAsync(new { booked = true, slot = "Friday 10:00", say = "You are booked for Friday at ten." });
        await using var session = Start(NewAgent());

        await session.HandleAsync(new CallerSaid("Please book Friday at ten"));
        await session.Idle;

        Assert.Equal("Let me book that. You are booked for Friday at ten.", Spoken());
        Assert.EndsWith("|last", _output.Sent[^1]);
        var (headers, body) = Assert.Single(_requests);
        using var json = JsonDocument.Parse(body);
        Assert.Equal("call-7", json.RootElement.GetProperty("callId").GetString());
        Assert.Equal("clinic", json.RootElement.GetProperty("agentId").GetString());
        Assert.Equal("book_slot", json.RootElement.GetProperty("tool").GetString());
        Assert.Equal("Please book Friday at ten", json.RootElement.GetProperty("arguments").GetProperty("time").GetString());
        Assert.StartsWith("tool_call-7_", headers["Idempotency-Key"]);
        Assert.Equal(headers["Idempotency-Key"], headers["webhook-id"]);
        Assert.True(StandardWebhook.Verify(Secret, headers["webhook-id"], headers["webhook-timestamp"], headers["webhook-signature"], Encoding.UTF8.GetBytes(body), _time.GetUtcNow()));

        var turn = ToolTurn();
        Assert.Equal("book_slot", turn.ToolName);
        Assert.False(turn.ToolFailed);
        Assert.NotNull(turn.ToolMs);
        Assert.Contains("\"time\":\"Please book Friday at ten\"", turn.Text);
        Assert.Contains("Friday 10:00", turn.Text);
    }

    [Fact]
    public async Task A_tool_slower_than_a_second_gets_a_filler_sentence_first()
    {
        var release = new TaskCompletionSource();
        _answer = async context =>
        {
            await release.Task;
            await context.Response.WriteAsJsonAsync(new { say = "Booked." });
        };
        await using var session = Start(NewAgent());

        await session.HandleAsync(new CallerSaid("book me in"));
        await _requestArrived.Task.WaitAsync(TimeSpan.FromSeconds(10));
        _time.Advance(TimeSpan.FromMilliseconds(1000));
        await _output.WaitForAsync(sent => sent.Any(s => s.Contains("One moment")));
        release.SetResult();
        await session.Idle;

        Assert.Equal("Let me book that. One moment, please. Booked.", Spoken());
    }

    public static TheoryData<string, int, string> Failures => new()
    {
        { "500", 500, "HTTP 500" },
        { "malformed", 200, "not JSON" },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public async Task A_failing_tool_becomes_a_graceful_sentence_and_the_call_goes_on(string kind, int status, string error)
    {
        _answer = async context =>
        {
            context.Response.StatusCode = status;
            await context.Response.WriteAsync(kind == "malformed" ? "<html>oops" : "{\"error\":\"db down\"}");
        };
        await using var session = Start(NewAgent());

        await session.HandleAsync(new CallerSaid("book it"));
        await session.Idle;
        await session.HandleAsync(new CallerSaid("what are your hours"));
        await session.Idle;

        Assert.Equal("Let me book that. " + new ConversationOptions().ToolFailedText + "We open at nine.", Spoken());
        Assert.True(ToolTurn().ToolFailed);
        Assert.Contains(error, ToolTurn().Text);
        Assert.False(session.HasEnded);
    }

    [Fact]
    public async Task A_tool_that_never_answers_times_out_into_a_graceful_sentence()
    {
        _answer = context => Task.Delay(Timeout.Infinite, context.RequestAborted);
        await using var session = Start(NewAgent());

        await session.HandleAsync(new CallerSaid("book it"));
        await _requestArrived.Task.WaitAsync(TimeSpan.FromSeconds(10));
        _time.Advance(TimeSpan.FromSeconds(1));
        await _output.WaitForAsync(sent => sent.Any(s => s.Contains("One moment")));
        _time.Advance(TimeSpan.FromSeconds(2));
        await session.Idle;

        Assert.Equal("Let me book that. One moment, please. " + new ConversationOptions().ToolFailedText, Spoken());
        Assert.Contains("no answer within 3 s", ToolTurn().Text);
        Assert.True(ToolTurn().ToolFailed);
    }

    [Fact]
    public async Task A_caller_who_speaks_during_the_tool_call_is_answered_at_once_and_the_transcript_marks_the_call_interrupted()
    {
        var aborted = new TaskCompletionSource();
        _answer = async context =>
        {
            context.RequestAborted.Register(() => aborted.TrySetResult());
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        };
        await using var session = Start(NewAgent());

        await session.HandleAsync(new CallerSaid("book it"));
        await _requestArrived.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await session.HandleAsync(new CallerSaid("actually, what are your hours?"));
        await session.Idle;

        Assert.Equal(["text:Let ", "text:me ", "text:book ", "text:that.", "text:We ", "text:open ", "text:at ", "text:nine.", "text:|last"], _output.Sent);
        Assert.Contains("interrupted by the caller", ToolTurn().Text);
        Assert.Equal(
            [TurnRole.Agent, TurnRole.Caller, TurnRole.Tool, TurnRole.Agent, TurnRole.Caller, TurnRole.Agent],
            _recorder.Turns.Select(t => (t.Index, t.Role)).Distinct().OrderBy(t => t.Index).Select(t => t.Role));
        await aborted.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
