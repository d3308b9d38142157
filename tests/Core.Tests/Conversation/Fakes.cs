using System.Runtime.CompilerServices;
using AgentOS.Voice.Calls;
using AgentOS.Voice.Conversation;
using Microsoft.Extensions.AI;

namespace AgentOS.Voice.Core.Tests.Conversation;

/// <summary>A model stand-in: answers each request with the next scripted reply and records what it was sent.</summary>
internal sealed class FakeChatClient : IChatClient
{
    private readonly Queue<Func<CancellationToken, IAsyncEnumerable<ChatResponseUpdate>>> _replies = new();
    private readonly Lock _lock = new();
    private int _opened;
    private int _closed;

    public List<List<ChatMessage>> Requests { get; } = [];
    public List<ChatOptions?> Options { get; } = [];
    public int StreamsOpened => Volatile.Read(ref _opened);
    public int StreamsClosed => Volatile.Read(ref _closed);

    /// <summary>Answers requests once the scripted replies are used up; it sees the request's messages.</summary>
    public Func<IList<ChatMessage>, CancellationToken, IAsyncEnumerable<ChatResponseUpdate>>? Otherwise { get; set; }

    public FakeChatClient Reply(params string[] tokens) => Then(ct => Tokens(tokens, ct));

    public FakeChatClient Then(Func<CancellationToken, IAsyncEnumerable<ChatResponseUpdate>> reply)
    {
        lock (_lock) _replies.Enqueue(reply);
        return this;
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Func<CancellationToken, IAsyncEnumerable<ChatResponseUpdate>> reply;
        lock (_lock)
        {
            var list = messages.ToList();
            Requests.Add(list);
            Options.Add(options);
            reply = _replies.Count > 0 ? _replies.Dequeue()
                : Otherwise is { } otherwise ? ct => otherwise(list, ct)
                : ct => Tokens(["(unscripted)"], ct);
        }

        Interlocked.Increment(ref _opened);
        try
        {
            await foreach (var update in reply(cancellationToken).WithCancellation(cancellationToken))
            {
                yield return update;
            }
        }
        finally
        {
            Interlocked.Increment(ref _closed);
        }
    }

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("The session streams.");

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }

    public static async IAsyncEnumerable<ChatResponseUpdate> Tokens(IEnumerable<string> tokens, [EnumeratorCancellation] CancellationToken ct = default)
    {
        foreach (var token in tokens)
        {
            await Task.Yield();
            ct.ThrowIfCancellationRequested();
            yield return new ChatResponseUpdate(ChatRole.Assistant, token);
        }
    }

    /// <summary>Keeps producing "prefix-N " tokens until cancelled, like a long answer.</summary>
    public static async IAsyncEnumerable<ChatResponseUpdate> Endless(string prefix, [EnumeratorCancellation] CancellationToken ct = default)
    {
        for (var i = 1; ; i++)
        {
            await Task.Delay(2, ct);
            yield return new ChatResponseUpdate(ChatRole.Assistant, $"{prefix}-{i} ");
        }
    }

    public static async IAsyncEnumerable<ChatResponseUpdate> TokensThenThrow(string token, [EnumeratorCancellation] CancellationToken ct = default)
    {
        await Task.Yield();
        yield return new ChatResponseUpdate(ChatRole.Assistant, token);
        throw new HttpRequestException("provider went away (529)");
    }

    public static async IAsyncEnumerable<ChatResponseUpdate> Call(string text, string tool, string argument, string value, [EnumeratorCancellation] CancellationToken ct = default)
    {
        await Task.Yield();
        if (text.Length > 0)
        {
            yield return new ChatResponseUpdate(ChatRole.Assistant, text);
        }

        yield return new ChatResponseUpdate(ChatRole.Assistant, [new FunctionCallContent("call-" + tool, tool, new Dictionary<string, object?> { [argument] = value })]);
    }
}

/// <summary>Records what the session sent, one line per message, like a wire log.</summary>
internal sealed class RecordingOutput : ICallOutput
{
    private readonly List<string> _sent = [];

    public IReadOnlyList<string> Sent
    {
        get { lock (_sent) return [.. _sent]; }
    }

    public ValueTask SayAsync(string text, bool last, CancellationToken cancellationToken) => Add(last ? $"text:{text}|last" : $"text:{text}");

    public ValueTask PlayAsync(Uri source, CancellationToken cancellationToken) => Add($"play:{source}");

    public ValueTask SendDigitsAsync(string digits, CancellationToken cancellationToken) => Add($"digits:{digits}");

    public ValueTask SwitchLanguageAsync(string? speechLanguage, string? transcriptionLanguage, CancellationToken cancellationToken) =>
        Add($"language:{speechLanguage}/{transcriptionLanguage}");

    public ValueTask EndAsync(string? handoffData, CancellationToken cancellationToken) => Add($"end:{handoffData}");

    public async Task WaitForAsync(Func<IReadOnlyList<string>, bool> condition)
    {
        for (var i = 0; i < 1000 && !condition(Sent); i++)
        {
            await Task.Delay(5);
        }

        Assert.True(condition(Sent), "never saw the expected output: " + string.Join(" ", Sent));
    }

    private ValueTask Add(string line)
    {
        lock (_sent) _sent.Add(line);
        return ValueTask.CompletedTask;
    }
}

internal sealed class MemoryRecorder : ICallRecorder
{
    private readonly List<object> _rows = [];

    public IReadOnlyList<TranscriptTurn> Turns
    {
        get { lock (_rows) return _rows.OfType<TranscriptTurn>().ToList(); }
    }

    public IReadOnlyList<CallRecord> Calls
    {
        get { lock (_rows) return _rows.OfType<CallRecord>().ToList(); }
    }

    public void Record(CallRecord call)
    {
        lock (_rows) _rows.Add(call);
    }

    public void RecordIfNew(CallRecord call)
    {
        lock (_rows)
        {
            if (!_rows.OfType<CallRecord>().Any(c => c.CallId == call.CallId))
            {
                _rows.Add(call);
            }
        }
    }

    public void Record(TranscriptTurn turn)
    {
        lock (_rows) _rows.Add(turn);
    }
}
