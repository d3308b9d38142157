using System.Text;
using System.Text.Json;
using AgentOS.Voice.Outcomes;
using AgentOS.Voice.Storage;
using AgentOS.Voice.TestSupport;
using AgentOS.Voice.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace AgentOS.Voice.Core.Tests.Outcomes;

/// <summary>
/// A receiver on Kestrel that verifies each delivery's Standard Webhooks signature with the agent's secret and dedupes
/// by webhook-id, as the docs tell receivers to; it can be "down" (503) for a while.
/// </summary>
public sealed class OutcomeWebhookDeliveryTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private readonly List<string> _attemptIds = [];
    private readonly Dictionary<string, JsonElement> _accepted = [];
    private string _secret = string.Empty;
    private Func<DateTimeOffset> _now = () => DateTimeOffset.UtcNow;
    private volatile bool _down;
    private int _badSignatures;
    private WebApplication _receiver = null!;

    public async Task InitializeAsync() => _receiver = await LoopbackApp.StartAsync(app => app.MapPost("/hooks/outcomes", async (HttpRequest request) =>
    {
        using var reader = new StreamReader(request.Body);
        var body = await reader.ReadToEndAsync();
        var id = request.Headers[StandardWebhook.IdHeader].ToString();
        lock (_attemptIds) _attemptIds.Add(id);
        if (_down)
        {
            return Results.StatusCode(503);
        }

        if (!StandardWebhook.Verify(_secret, id, request.Headers[StandardWebhook.TimestampHeader].ToString(),
                request.Headers[StandardWebhook.SignatureHeader].ToString(), Encoding.UTF8.GetBytes(body), _now()))
        {
            Interlocked.Increment(ref _badSignatures);
            return Results.StatusCode(401);
        }

        lock (_accepted) _accepted.TryAdd(id, JsonDocument.Parse(body).RootElement.Clone());
        return Results.NoContent();
    }));

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    private async Task<OutcomeHarness> MadeOutcomeAsync(params (string, string)[] settings)
    {
        var h = new OutcomeHarness(azurite, settings);
        _now = h.Time.GetUtcNow;
        _secret = (await h.AddAgentAsync("clinic", _receiver.BaseUrl() + "/hooks/outcomes")).WebhookSecret!;
        await h.AddEndedCallAsync("clinic", "call-9");
        await h.Get<OutcomeMaker>().ProcessAsync(OutcomeHarness.Request("call", "clinic", "call-9"));
        return h;
    }

    /// <summary>Runs the delivery worker on whatever the webhook queue holds, as the queue trigger would.</summary>
    private static async Task<int> DeliverDueAsync(OutcomeHarness h)
    {
        var due = await h.DrainAsync(OutcomeOptions.WebhookQueue);
        foreach (var message in due)
        {
            await h.Get<OutcomeWebhookDelivery>().ProcessAsync(message);
        }

        return due.Count;
    }

    [Fact]
    public async Task A_receiver_that_is_down_for_a_while_gets_the_outcome_once_it_is_back_with_one_webhook_id()
    {
        _down = true;
        await using var h = await MadeOutcomeAsync(("Outcomes:FirstRetryDelay", "00:00:00.200"));

        for (var attempt = 0; attempt < 3; attempt++)
        {
            await Eventually.True(async () => await DeliverDueAsync(h) > 0, "a delivery came due", 10);
        }

        _down = false;
        await Eventually.True(async () => await DeliverDueAsync(h) > 0, "a delivery came due", 10);

        Assert.Equal(4, _attemptIds.Count);
        Assert.Equal(["outcome_call_call-9"], _attemptIds.Distinct());
        var delivered = Assert.Single(_accepted);
        Assert.Equal("call-9", delivered.Value.GetProperty("id").GetString());
        Assert.Equal("Friday 10:00", delivered.Value.GetProperty("fields").GetProperty("slot").GetString());
        Assert.Equal(0, _badSignatures);
        Assert.Empty(await h.DrainAsync(OutcomeOptions.WebhookQueue));
        Assert.Empty(await h.DrainAsync(OutcomeOptions.DeadLetterQueue));
    }

    [Fact]
    public async Task After_the_delivery_window_a_failing_delivery_is_dead_lettered_with_the_reason()
    {
        _down = true;
        await using var h = await MadeOutcomeAsync(("Outcomes:FirstRetryDelay", "00:00:00.200"), ("Outcomes:DeliveryWindow", "01:00:00"));

        await DeliverDueAsync(h);
        h.Time.Advance(TimeSpan.FromHours(1));
        await Eventually.True(async () => await DeliverDueAsync(h) > 0, "a delivery came due", 10);

        var dead = Assert.Single(await h.DrainAsync(OutcomeOptions.DeadLetterQueue));
        using var doc = JsonDocument.Parse(dead);
        Assert.Equal("call-9", doc.RootElement.GetProperty("id").GetString());
        Assert.Equal(2, doc.RootElement.GetProperty("attempt").GetInt32());
        Assert.Contains("gave up after 2 attempts", doc.RootElement.GetProperty("reason").GetString());
        Assert.Contains("503", doc.RootElement.GetProperty("reason").GetString());
        Assert.Empty(await h.DrainAsync(OutcomeOptions.WebhookQueue));
        Assert.Empty(_accepted);
    }

    [Fact]
    public async Task A_delivery_the_queue_gives_up_on_is_dead_lettered_with_the_reason_and_an_unreadable_one_is_left_to_the_poison_queue()
    {
        await using var h = await MadeOutcomeAsync();
        var delivery = Assert.Single(await h.DrainAsync(OutcomeOptions.WebhookQueue));

        await h.Get<OutcomeWebhookDelivery>().OnPoisonAsync(delivery, "RequestFailedException: table unreachable", CancellationToken.None);
        await h.Get<OutcomeWebhookDelivery>().OnPoisonAsync("not json", "JsonException: bad", CancellationToken.None);

        var dead = Assert.Single(await h.DrainAsync(OutcomeOptions.DeadLetterQueue));
        using var doc = JsonDocument.Parse(dead);
        Assert.Equal("call-9", doc.RootElement.GetProperty("id").GetString());
        Assert.Equal("gave up after the queue's last attempt: RequestFailedException: table unreachable", doc.RootElement.GetProperty("reason").GetString());
    }
}
