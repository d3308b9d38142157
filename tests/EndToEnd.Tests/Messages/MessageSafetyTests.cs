using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AgentOS.Voice.Messages;
using AgentOS.Voice.Simulator;
using AgentOS.Voice.Simulator.Signing;
using AgentOS.Voice.Storage;
using AgentOS.Voice.Twilio;
using AgentOS.Voice.Functions.Messages;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.DependencyInjection;

namespace AgentOS.Voice.EndToEnd.Tests.Messages;

/// <summary>Duplicates, crashes, forged webhooks, bad input and cancellation: one call at most, nothing changed by strangers.</summary>
public sealed class MessageSafetyTests(MessagesFixture fixture) : IClassFixture<MessagesFixture>
{
    private MessagesApp App => fixture.App;
    private PhoneSimulator Simulator => fixture.Simulator;

    [Fact]
    public async Task The_same_queue_message_delivered_twice_by_the_host_places_one_call()
    {
        await App.CreateAgentAsync("dup-host", "+15550000011");
        var job = new VoiceMessageJob { MessageId = "msg_dup_host_1", AgentId = "dup-host", To = "+15551000011", Text = "Duplicate delivery." }.ToJson();

        // The queue function run twice on one message, as the host may (a retry after a crash, or two instances);
        // each run completes without failing.
        await InvokeFunctionAsync(job, dequeueCount: 1);
        await InvokeFunctionAsync(job, dequeueCount: 2);

        var done = await App.WaitForStateAsync("dup-host", "msg_dup_host_1", "completed");
        Assert.Single(Simulator.Calls, c => c.To == "+15551000011");
        Assert.Single(done.GetProperty("history").EnumerateArray(), h => h.GetProperty("state").GetString() == "calling" && h.GetProperty("detail").GetString() == "claimed for calling");
    }

    [Fact]
    public async Task A_producer_enqueueing_the_same_job_twice_gets_one_record_and_one_call()
    {
        await App.CreateAgentAsync("dup-producer", "+15550000012");
        var job = new VoiceMessageJob { AgentId = "dup-producer", To = "+15551000012", Text = "Scheduler says hello.", IdempotencyKey = "job-7" };
        var queue = Queue(VoiceMessageQueue.QueueName);
        await queue.CreateIfNotExistsAsync();

        await queue.SendEncodedAsync(job.ToJson());
        await queue.SendEncodedAsync(job.ToJson());

        var id = MessageIds.ForIdempotencyKey("dup-producer", "job-7");
        var done = await App.WaitForStateAsync("dup-producer", id, "completed");
        Assert.Equal("job-7", done.String("idempotencyKey"));
        await Task.Delay(1000); // let the second copy be handled too; it must not call
        Assert.Single(Simulator.Calls, c => c.To == "+15551000012");
    }

    [Fact]
    public async Task A_second_job_reusing_an_idempotency_key_with_another_number_is_refused_on_the_record_not_swapped()
    {
        await App.CreateAgentAsync("reused-key", "+15550000015");
        var first = new VoiceMessageJob { AgentId = "reused-key", To = "+15551000015", Text = "The first job.", IdempotencyKey = "job-9" };
        var queue = Queue(VoiceMessageQueue.QueueName);
        await queue.CreateIfNotExistsAsync();

        await queue.SendEncodedAsync(first.ToJson());
        var id = MessageIds.ForIdempotencyKey("reused-key", "job-9");
        await App.WaitForStateAsync("reused-key", id, "completed");
        await queue.SendEncodedAsync((first with { To = "+15551000016", Text = "Another job." }).ToJson());

        var deadline = DateTime.UtcNow.AddSeconds(30);
        JsonElement kept;
        do
        {
            await Task.Delay(200);
            kept = await App.GetMessageAsync("reused-key", id);
        }
        while (!kept.GetProperty("history").EnumerateArray().Any(h => h.String("detail")?.Contains("refused", StringComparison.Ordinal) == true) && DateTime.UtcNow < deadline);

        Assert.Equal("+15551000015", kept.String("to"));
        Assert.Equal("completed", kept.State());
        Assert.Contains(kept.GetProperty("history").EnumerateArray(), h =>
            h.String("detail") == "refused a second job with the same idempotency key and a different to, text; that job was not sent");
        Assert.Single(Simulator.Calls, c => c.To == "+15551000015");
        Assert.DoesNotContain(Simulator.Calls, c => c.To == "+15551000016");
    }

    [Fact]
    public async Task A_claim_that_never_got_its_call_sid_is_reported_and_not_called_again()
    {
        await App.CreateAgentAsync("crashed", "+15550000013");
        var store = App.Services.GetRequiredService<IVoiceMessageStore>();
        var claimedAt = DateTimeOffset.UtcNow.AddMinutes(-10);
        await store.AddAsync(new VoiceMessage
        {
            Id = "msg_crashed_1", AgentId = "crashed", To = "+15551000013", Text = "Crashed while calling.",
            State = MessageState.Calling, ClaimedAt = claimedAt, Attempts = 1, CreatedAt = claimedAt,
        });

        await InvokeFunctionAsync(new VoiceMessageJob { MessageId = "msg_crashed_1", AgentId = "crashed", To = "+15551000013", Text = "Crashed while calling." }.ToJson(), 2);

        var failed = await App.GetMessageAsync("crashed", "msg_crashed_1");
        Assert.Equal("failed", failed.State());
        Assert.Equal(MessageErrorCodes.CallOutcomeUnknown, failed.GetProperty("error").GetProperty("code").GetString());
        Assert.DoesNotContain(Simulator.Calls, c => c.To == "+15551000013");
    }

    [Fact]
    public async Task A_job_due_after_the_queues_seven_days_is_requeued_as_a_hop()
    {
        await App.CreateAgentAsync("far-future", "+15550000014");
        var queue = Queue(VoiceMessageQueue.QueueName);
        await queue.CreateIfNotExistsAsync();
        var before = (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount;

        var job = new VoiceMessageJob
        {
            AgentId = "far-future", To = "+15551000014", Text = "See you next month.", IdempotencyKey = "monthly",
            SendAt = DateTimeOffset.UtcNow.AddDays(30),
        };
        await InvokeFunctionAsync(job.ToJson(), 1);

        var message = await App.GetMessageAsync("far-future", MessageIds.ForIdempotencyKey("far-future", "monthly"));
        Assert.Equal("queued", message.State());
        Assert.Equal(before + 1, (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
        Assert.DoesNotContain(Simulator.Calls, c => c.To == "+15551000014");
    }

    [Fact]
    public async Task A_forged_or_unsigned_callback_is_refused_and_changes_nothing()
    {
        await App.CreateAgentAsync("forged", "+15550000015");
        var accepted = await App.SendAsync("forged", new { to = "+15551000015", text = "Genuine.", sendAt = DateTimeOffset.UtcNow.AddHours(1) });
        var before = await App.GetMessageAsync("forged", accepted.Id());
        var url = $"{App.BaseUrl}/api/twilio/messages/forged/{accepted.Id()}/status";
        var form = new Dictionary<string, string> { ["CallSid"] = "CA" + new string('f', 32), ["CallStatus"] = "completed" };

        using var client = new HttpClient();
        using var unsigned = await client.PostAsync(url, new FormUrlEncodedContent(form));
        using var forgedRequest = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(form) };
        forgedRequest.Headers.Add(TwilioRequestSigner.HeaderName, TwilioRequestSigner.Sign("not-the-auth-token", url, form));
        using var forged = await client.SendAsync(forgedRequest);

        Assert.Equal(HttpStatusCode.Forbidden, unsigned.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
        var after = await App.GetMessageAsync("forged", accepted.Id());
        Assert.Equal(before.GetRawText(), after.GetRawText());

        // The same request signed with the account's token is accepted, so the refusals above were about the signature.
        using var signedRequest = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(form) };
        signedRequest.Headers.Add(TwilioRequestSigner.HeaderName, TwilioRequestSigner.Sign(Simulator.Options.AuthToken, url, form));
        using var signed = await client.SendAsync(signedRequest);
        Assert.Equal(HttpStatusCode.NoContent, signed.StatusCode);
    }

    [Fact]
    public async Task Bad_requests_name_every_bad_field_and_store_nothing()
    {
        await App.CreateAgentAsync("validation", "+15550000016", recording: "Never");

        var problem = await App.SendAsync("validation",
            new { to = "555-1234", text = "", sendAt = DateTimeOffset.UtcNow.AddHours(-2), record = true, idempotencyKey = "bad" },
            HttpStatusCode.BadRequest);
        var unknownField = await App.SendAsync("validation", new { to = "+15551000016", text = "hi", colour = "blue" }, HttpStatusCode.BadRequest);
        await App.SendAsync("no-such-agent", new { to = "+15551000016", text = "hi" }, HttpStatusCode.NotFound);

        var errors = problem.GetProperty("errors");
        Assert.Equal(["record", "sendAt", "text", "to"], errors.EnumerateObject().Select(e => e.Name).Order(StringComparer.Ordinal));
        Assert.True(unknownField.GetProperty("errors").EnumerateObject().Any());
        using var missing = await App.Api.GetAsync($"/api/agents/validation/messages/{MessageIds.ForIdempotencyKey("validation", "bad")}");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task A_message_is_canceled_before_its_call_and_not_after()
    {
        await App.CreateAgentAsync("cancel", "+15550000017");
        var later = await App.SendAsync("cancel", new { to = "+15551000017", text = "Never mind.", sendAt = DateTimeOffset.UtcNow.AddSeconds(3) });
        var now = await App.SendAsync("cancel", new { to = "+15551000018", text = "Too late to cancel." });

        using var canceled = await App.Api.DeleteAsync($"/api/agents/cancel/messages/{later.Id()}");
        await App.WaitForStateAsync("cancel", now.Id(), "completed");
        using var tooLate = await App.Api.DeleteAsync($"/api/agents/cancel/messages/{now.Id()}");

        Assert.Equal(HttpStatusCode.OK, canceled.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, tooLate.StatusCode);
        Assert.Equal("completed", (await tooLate.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("state").GetString());
        await Task.Delay(4000); // past the canceled message's send time
        Assert.Equal("canceled", (await App.GetMessageAsync("cancel", later.Id())).State());
        Assert.DoesNotContain(Simulator.Calls, c => c.To == "+15551000017");
    }

    private QueueClient Queue(string name) =>
        new QueueServiceClient(fixture.Azurite.ConnectionString).GetQueueClient(new StorageOptions { NamePrefix = "e2e" }.Prefixed(name));

    /// <summary>RenderVoiceMessage run on one delivery of a message, as the host runs it (a failure would throw).</summary>
    private async Task InvokeFunctionAsync(string jobJson, int dequeueCount)
    {
        await using var scope = App.Services.CreateAsyncScope();
        var function = ActivatorUtilities.CreateInstance<RenderVoiceMessageFunction>(scope.ServiceProvider);
        var delivered = QueuesModelFactory.QueueMessage(
            Guid.NewGuid().ToString(), "pop", BinaryData.FromString(jobJson), dequeueCount, DateTimeOffset.UtcNow.AddMinutes(5), DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(7));
        await function.RunAsync(delivered, CancellationToken.None);
    }
}
