using System.Net;
using System.Net.Http.Json;
using AgentOS.Voice.FunctionsRunner;
using AgentOS.Voice.Messages;
using AgentOS.Voice.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace AgentOS.Voice.Functions.Tests.Runner;

/// <summary>
/// The runner's timer trigger with the app's one timer function (ReconcileRecords) on Azurite: run on its schedule
/// and through the host's admin endpoint. The app's clock is an hour ahead, so a message claimed and never given a
/// call SID counts as stuck, and the run fails it.
/// </summary>
public sealed class TimerTriggerTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private const string MasterKey = "test-runner-master-key";
    private const string Path = "/admin/functions/ReconcileRecords";

    private FunctionsAppFactory App(string? schedule = null) => new(azurite.ConnectionString, "tm" + Guid.NewGuid().ToString("n")[..8],
        new Dictionary<string, string>
        {
            [AdminEndpoint.MasterKeySetting] = MasterKey,
            ["Reconciler:Schedule"] = schedule ?? "0 0 0 1 1 *",
        },
        services => services.AddSingleton<TimeProvider>(new AheadTimeProvider()));

    private static async Task<IVoiceMessageStore> AddClaimedMessageAsync(FunctionsAppFactory app)
    {
        var store = app.Services.GetRequiredService<IVoiceMessageStore>();
        var now = DateTimeOffset.UtcNow;
        await store.AddAsync(new VoiceMessage { Id = "m-claimed", AgentId = "a1", To = "+14155552671", Text = "Hi.", CreatedAt = now, ClaimedAt = now }
            .Transition(MessageState.Calling, now, "claimed for calling"));
        return store;
    }

    private static Task StateIs(IVoiceMessageStore store, MessageState state) => Eventually.True(
        async () => (await store.GetAsync("a1", "m-claimed"))?.State == state, $"the message is {state}");

    [Fact]
    public async Task The_admin_endpoint_runs_the_timer_function_now_with_the_master_key_only()
    {
        using var app = App();
        using var client = app.CreateClient();
        var store = await AddClaimedMessageAsync(app);

        using var noKey = await client.PostAsJsonAsync(Path, new { input = "" });
        var wrongKey = new HttpRequestMessage(HttpMethod.Post, Path) { Content = JsonContent.Create(new { input = "" }) };
        wrongKey.Headers.Add(AdminEndpoint.KeyHeader, "not-the-key");
        using var wrong = await client.SendAsync(wrongKey);
        Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized), (noKey.StatusCode, wrong.StatusCode));
        Assert.Equal(MessageState.Calling, (await store.GetAsync("a1", "m-claimed"))!.State);

        client.DefaultRequestHeaders.Add(AdminEndpoint.KeyHeader, MasterKey);
        using var unknown = await client.PostAsJsonAsync("/admin/functions/NoSuchFunction", new { input = "" });
        using var noInput = await client.PostAsync(Path, new StringContent("[]"));
        Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.BadRequest), (unknown.StatusCode, noInput.StatusCode));

        using var run = await client.PostAsJsonAsync(Path, new { input = "" });

        Assert.Equal(HttpStatusCode.Accepted, run.StatusCode);
        await StateIs(store, MessageState.Failed);
        Assert.Equal(MessageErrorCodes.CallOutcomeUnknown, (await store.GetAsync("a1", "m-claimed"))!.Error!.Code);
    }

    [Fact]
    public async Task The_timer_function_runs_on_the_schedule_its_setting_names()
    {
        using var app = App(schedule: "* * * * * *");
        var store = await AddClaimedMessageAsync(app);

        await StateIs(store, MessageState.Failed);
    }

    /// <summary>The system clock an hour ahead, past the reconciler's StuckAfter; Azure Tables stamps rows with its own clock.</summary>
    private sealed class AheadTimeProvider : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + TimeSpan.FromHours(1);
    }
}
