using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Text;
using AgentOS.Voice.Agents;
using AgentOS.Voice.Calls;
using AgentOS.Voice.Conversation;
using AgentOS.Voice.Llm;
using AgentOS.Voice.RelayHost;
using AgentOS.Voice.Twilio.ConversationRelay;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;
using OpenAI;

namespace AgentOS.Voice.Bench.Micro;

/// <summary>
/// One streamed answer of <see cref="Tokens"/> tokens. Run at two lengths: the difference in allocated bytes divided
/// by the difference in tokens is the cost per token, free of the per-turn cost.
/// <list type="bullet">
/// <item>Session turn: ours only — ConversationSession and the ConversationRelay output on a real WebSocket over a null stream,
/// fed by a model that yields pre-built updates.</item>
/// <item>OpenAI client stream: our OpenAI client reading the same number of tokens as SSE from memory — what the real
/// path adds per token before the session sees it.</item>
/// <item>OpenAI SDK stream: the same through the OpenAI SDK, which that client replaced (Azure OpenAI still uses it).</item>
/// </list>
/// </summary>
public class TokenPathBenchmarks
{
    [Params(30, 300)]
    public int Tokens { get; set; }

    private ConversationSession _session = null!;
    private WebSocket _socket = null!;
    private RelayCallOutput _output = null!;
    private IChatClient _sdk = null!;
    private IChatClient _client = null!;
    private readonly CallerSaid _prompt = new("What are your opening hours?");
    private readonly List<ChatMessage> _messages = [new(ChatRole.User, "What are your opening hours?")];

    [GlobalSetup]
    public void Setup()
    {
        var updates = Enumerable.Range(0, Tokens).Select(i => new ChatResponseUpdate(ChatRole.Assistant, i == 0 ? "We" : " open")).ToArray();
        _socket = WebSocket.CreateFromStream(Stream.Null, new WebSocketCreationOptions { IsServer = true });
        _output = new RelayCallOutput(new RelaySocketSink(_socket, TimeSpan.FromSeconds(5), TimeProvider.System, NullLogger.Instance));
        var agent = new Agent { Id = "bench", Name = "Bench", PhoneNumber = "+15550000100", Greeting = "" };
        _session = new ConversationSession(
            agent, new CallStart { CallId = "bench" }, new PrebuiltChatClient(updates), _output, new DiscardingRecorder(),
            new ConversationOptions(), TimeProvider.System, NullLogger.Instance);

        var sse = new StringBuilder();
        for (var i = 0; i < Tokens; i++)
        {
            sse.Append("data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1764000000,\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" open\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n");
        }

        sse.Append("data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1764000000,\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n");
        var http = new HttpClient(new CannedSseHandler(Encoding.UTF8.GetBytes(sse.ToString())));
        _sdk = new OpenAIClient(new ApiKeyCredential("sk-bench"), new OpenAIClientOptions
        {
            Endpoint = new Uri("http://127.0.0.1:9/v1"),
            Transport = new HttpClientPipelineTransport(http),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        }).GetChatClient("gpt-4o-mini").AsIChatClient();
        _client = new OpenAIChatClient(http, new OpenAIChatClientOptions
        {
            BaseUrl = new Uri("http://127.0.0.1:9/v1"),
            ApiKey = "sk-bench",
            Model = "gpt-4o-mini",
        });
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await _session.DisposeAsync();
        _output.Dispose();
        _socket.Dispose();
    }

    [Benchmark(Description = "session turn: model → ConversationSession → relay frame → WebSocket")]
    public async Task SessionTurn()
    {
        await _session.HandleAsync(_prompt);
        await _session.Idle;
    }

    [Benchmark(Description = "our OpenAI client: read streamed answer (SSE from memory)")]
    public Task<int> OpenAiClientStream() => ReadAsync(_client);

    [Benchmark(Description = "OpenAI SDK: read streamed answer (SSE from memory)")]
    public Task<int> OpenAiSdkStream() => ReadAsync(_sdk);

    private async Task<int> ReadAsync(IChatClient client)
    {
        var n = 0;
        await foreach (var update in client.GetStreamingResponseAsync(_messages))
        {
            n += update.Contents.Count;
        }

        return n;
    }

    private sealed class PrebuiltChatClient(ChatResponseUpdate[] updates) : IChatClient
    {
        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
            IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.CompletedTask;
            foreach (var update in updates)
            {
                yield return update;
            }
        }

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("The session streams.");

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }

    private sealed class DiscardingRecorder : ICallRecorder
    {
        public void Record(CallRecord call)
        {
        }

        public void RecordIfNew(CallRecord call)
        {
        }

        public void Record(TranscriptTurn turn)
        {
        }
    }

    private sealed class CannedSseHandler(byte[] body) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var content = new ByteArrayContent(body);
            content.Headers.ContentType = new("text/event-stream");
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = content, RequestMessage = request });
        }
    }
}
