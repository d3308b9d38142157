using AgentOS.Voice.Outcomes;
using AgentOS.Voice.Storage;
using AgentOS.Voice.TestSupport;
using Azure.Storage.Queues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AgentOS.Voice.RelayHost.Tests;

[Collection(RelayCollection.Name)]
public sealed class RelayOutcomeRequestTests(AzuriteFixture azurite) : IDisposable
{
    private readonly RelayTestHost _host = new(azurite);

    [Fact]
    public async Task A_call_that_ends_queues_its_outcome_request()
    {
        var agent = _host.AddAgent();
        _host.Models.For(agent).Reply("Hello.");
        var callId = "c-" + Guid.NewGuid().ToString("n")[..8];
        await using (var twilio = await _host.ConnectAsync(agent.Id, callId: callId))
        {
            await twilio.SetupAsync("outbound");
            await twilio.PromptAsync("Hi");
            await twilio.ReceiveAnswerAsync();
        }

        var queue = _host.Services.GetRequiredService<QueueServiceClient>()
            .GetPrefixedQueueClient(_host.Services.GetRequiredService<IOptions<StorageOptions>>().Value, OutcomeOptions.RequestQueue);
        string? request = null;
        await Eventually.True(async () =>
        {
            if (!await queue.ExistsAsync())
            {
                return false;
            }

            var peeked = (await queue.PeekMessagesAsync(1)).Value;
            request = peeked.Length == 0 ? null : QueueTriggerEncoding.Decode(peeked[0].MessageText);
            return request is not null;
        }, "the outcome request was queued");

        Assert.Equal($$"""{"kind":"call","agentId":"{{agent.Id}}","id":"{{callId}}"}""", request);
    }

    public void Dispose() => _host.Dispose();
}
