using System.Text;
using AgentOS.Voice.Agents;
using AgentOS.Voice.Llm;
using AgentOS.Voice.TestSupport;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace AgentOS.Voice.Core.Tests.Llm;

/// <summary>
/// What an interrupt costs on the wire: the answer's stream must close at once (the provider stops generating), and
/// where the provider offers HTTP/2 the connection must survive it, so the caller's next turn starts without a new
/// TCP and TLS handshake. Real Kestrel on loopback, TLS with an in-memory certificate, the product's own HttpClient.
/// </summary>
public class LlmConnectionTests
{
    private const string Model = "gpt-4o-mini";

    public enum Offered { PlainHttp, TlsHttp1, TlsHttp1AndHttp2 }

    [Theory]
    [InlineData(Offered.TlsHttp1AndHttp2, "HTTP/2", true)]
    [InlineData(Offered.TlsHttp1, "HTTP/1.1", false)]
    [InlineData(Offered.PlainHttp, "HTTP/1.1", false)]
    public async Task An_interrupted_answer_closes_its_stream_and_over_http2_the_connection_stays(Offered offered, string protocol, bool connectionKept)
    {
        var firstClosed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var never = new TaskCompletionSource().Task;
        var answered = 0;
        await using var fake = await FakeLlmServer.StartAsync(async (context, _) =>
        {
            if (Interlocked.Increment(ref answered) == 1)
            {
                context.RequestAborted.Register(() => firstClosed.TrySetResult());
                await OpenAIStreamingTests.StreamTextAsync(context, Model, ["Hello", " there"], holdAfterFirst: never);
            }
            else
            {
                await OpenAIStreamingTests.StreamTextAsync(context, Model, ["Again"]);
            }
        }, offered == Offered.PlainHttp ? null : listen =>
        {
            listen.Protocols = offered == Offered.TlsHttp1 ? HttpProtocols.Http1 : HttpProtocols.Http1AndHttp2;
            listen.UseHttps(TestCertificate.Loopback);
        });
        await using var services = LlmTestServices.Build(
            new Dictionary<string, string?> { ["Llm:OpenAI:ApiKey"] = "sk-test-key", ["Llm:OpenAI:BaseUrl"] = fake.BaseUrl + "/v1" },
            trustTestCertificate: true);
        var client = services.GetRequiredService<ILlmClientProvider>().GetClient(LlmTestServices.Agent(LlmProviders.OpenAI, Model));

        // The interrupt, as ConversationSession does it: cancel the turn, then dispose the stream.
        using (var interrupt = new CancellationTokenSource())
        {
            await using var stream = client.GetStreamingResponseAsync(LlmTestServices.Conversation("What are your hours?"), cancellationToken: interrupt.Token)
                .GetAsyncEnumerator(interrupt.Token);
            do
            {
                Assert.True(await stream.MoveNextAsync());
            }
            while (stream.Current.Text.Length == 0);

            Assert.Equal("Hello", stream.Current.Text);
            await interrupt.CancelAsync();
        }

        await firstClosed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var next = new StringBuilder();
        await foreach (var update in client.GetStreamingResponseAsync(LlmTestServices.Conversation("And on Sunday?")))
        {
            next.Append(update.Text);
        }

        Assert.Equal("Again", next.ToString());
        var requests = fake.Requests.ToArray();
        Assert.Equal(2, requests.Length);
        Assert.All(requests, r => Assert.Equal(protocol, r.Protocol));
        Assert.Equal(connectionKept, requests[0].ConnectionId == requests[1].ConnectionId);
    }

    [Fact]
    public async Task A_completed_answer_over_plain_http1_leaves_its_connection_for_the_next_turn()
    {
        // Responses are never drained (MaxResponseDrainSize = 0), so the client must itself read past [DONE] to the
        // body's end; a local model server on plain HTTP/1.1 would otherwise cost a new connection every turn.
        await using var fake = await FakeLlmServer.StartAsync(async (context, _) =>
        {
            await OpenAIStreamingTests.StreamTextAsync(context, Model, ["Open", " daily"]);
            // The body's end comes a moment after [DONE], as it may from a server that flushes events one by one.
            await Task.Delay(200);
        });
        await using var services = LlmTestServices.Build(
            new Dictionary<string, string?> { ["Llm:OpenAI:ApiKey"] = "sk-test-key", ["Llm:OpenAI:BaseUrl"] = fake.BaseUrl + "/v1" });
        var client = services.GetRequiredService<ILlmClientProvider>().GetClient(LlmTestServices.Agent(LlmProviders.OpenAI, Model));

        var first = await client.GetResponseAsync(LlmTestServices.Conversation("Hours?"));
        var second = await client.GetResponseAsync(LlmTestServices.Conversation("And Sunday?"));

        Assert.Equal("Open daily", first.Text);
        Assert.Equal("Open daily", second.Text);
        var requests = fake.Requests.ToArray();
        Assert.All(requests, r => Assert.Equal("HTTP/1.1", r.Protocol));
        Assert.Equal(requests[0].ConnectionId, requests[1].ConnectionId);
    }
}
