using AgentOS.Voice.Agents;
using AgentOS.Voice.Storage;
using AgentOS.Voice.TestSupport;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AgentOS.Voice.Core.Tests.Agents;

public class TableAgentStoreTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));

    private TableAgentStore NewStore(string prefix) =>
        new(new TableServiceClient(azurite.ConnectionString), Options.Create(new StorageOptions { NamePrefix = prefix }), _time);

    private static Agent Sample(string id) => new()
    {
        Id = id,
        Name = "Front desk",
        PhoneNumber = "+14155550100",
        TransferNumber = "+14155550199",
        Language = "en-US",
        OtherLanguages = [new AgentLanguage("es-ES", "voice-es", "Google", "Google")],
        Llm = new LlmSettings { Provider = LlmProviders.Anthropic, Model = "claude-x", Temperature = 0.3f, MaxOutputTokens = 200 },
        DtmfMenu = new Dictionary<string, DtmfAction>
        {
            ["0"] = new(DtmfActionKind.Handoff),
            ["1"] = new(DtmfActionKind.Say, "We open at nine."),
            ["#"] = new(DtmfActionKind.End, "Goodbye."),
        },
        Recording = RecordingPolicy.Always,
        Script = [new ScriptStep("hours", "Nine to five.", null), new ScriptStep(null, "Transferring you.", "handoff")],
    };

    [Fact]
    public async Task Create_then_get_returns_every_field_including_nested_ones()
    {
        var store = NewStore("crud1");
        var created = await store.CreateAsync(Sample("front-desk"));

        var read = await store.GetAsync("front-desk");

        Assert.NotNull(read);
        Assert.Equal(_time.GetUtcNow(), created.CreatedAt);
        Assert.Equal(created.CreatedAt, read.CreatedAt);
        Assert.Equal(created.UpdatedAt, read.UpdatedAt);
        Assert.Equal(created.Name, read.Name);
        Assert.Equal(created.TransferNumber, read.TransferNumber);
        Assert.Equal(created.Llm, read.Llm);
        Assert.Equal(created.OtherLanguages, read.OtherLanguages);
        Assert.Equal(created.Script, read.Script);
        Assert.Equal(RecordingPolicy.Always, read.Recording);
        Assert.Equal(created.DtmfMenu.OrderBy(p => p.Key), read.DtmfMenu.OrderBy(p => p.Key));
    }

    [Fact]
    public async Task Columns_are_stored_in_the_prefixed_table_with_nested_parts_as_json()
    {
        await NewStore("cols").CreateAsync(Sample("cols-agent"));

        var row = await new TableServiceClient(azurite.ConnectionString).GetTableClient("colsagents")
            .GetEntityAsync<TableEntity>(AgentTableEntity.PartitionKey, "cols-agent");

        Assert.Equal("+14155550100", row.Value.GetString("PhoneNumber"));
        Assert.Contains("\"provider\":\"anthropic\"", row.Value.GetString("Llm"));
        Assert.Contains("\"kind\":\"Say\"", row.Value.GetString("DtmfMenu"));
    }

    [Theory]
    [InlineData(typeof(IReadOnlyList<AgentLanguage>))]
    [InlineData(typeof(LlmSettings))]
    [InlineData(typeof(IReadOnlyDictionary<string, DtmfAction>))]
    [InlineData(typeof(IReadOnlyList<ScriptStep>))]
    public void Every_json_column_is_read_with_generated_metadata_not_reflection(Type column) =>
        Assert.Same(AgentColumnsJsonContext.Default, AgentJson.Options.GetTypeInfo(column).OriginatingResolver);

    [Fact]
    public async Task Creating_a_taken_id_throws_conflict_and_keeps_the_original()
    {
        var store = NewStore("dup");
        await store.CreateAsync(Sample("same"));

        var error = await Assert.ThrowsAsync<AgentConflictException>(() => store.CreateAsync(Sample("same") with { Name = "Other" }));

        Assert.Equal("same", error.AgentId);
        Assert.Equal("Front desk", (await store.GetAsync("same"))!.Name);
    }

    [Fact]
    public async Task Update_replaces_fields_keeps_created_at_and_moves_updated_at()
    {
        var store = NewStore("upd");
        var created = await store.CreateAsync(Sample("upd-agent"));
        _time.Advance(TimeSpan.FromMinutes(5));

        var updated = await store.UpdateAsync(Sample("upd-agent") with { Name = "Renamed", DtmfMenu = new Dictionary<string, DtmfAction>() });
        var read = await store.GetAsync("upd-agent");

        Assert.NotNull(updated);
        Assert.Equal("Renamed", read!.Name);
        Assert.Empty(read.DtmfMenu);
        Assert.Equal(created.CreatedAt, read.CreatedAt);
        Assert.Equal(created.CreatedAt.AddMinutes(5), read.UpdatedAt);
    }

    [Fact]
    public async Task Tools_and_the_outcome_settings_round_trip_and_the_webhook_secret_is_made_once_and_kept_until_rotated()
    {
        var store = NewStore("secret");
        var parameters = System.Text.Json.JsonDocument.Parse("""{"type":"object","properties":{"time":{"type":"string"}}}""").RootElement.Clone();
        var schema = System.Text.Json.JsonDocument.Parse("""{"type":"object","properties":{"confirmed":{"type":"boolean"}}}""").RootElement.Clone();
        var agent = Sample("secret-agent") with
        {
            Tools = [new AgentTool { Name = "book_slot", Description = "Books.", Parameters = parameters, Url = "https://clinic.example/book", TimeoutSeconds = 3 }],
            OutcomeSchema = schema,
            OutcomeWebhookUrl = "https://clinic.example/hook",
            PreemptiveGeneration = true,
        };

        var created = await store.CreateAsync(agent);
        var edited = await store.UpdateAsync(agent with { Name = "Edited" });
        var rotated = await store.UpdateAsync(agent with { WebhookSecret = AgentOS.Voice.Webhooks.StandardWebhook.NewSecret() });
        var read = await store.GetAsync("secret-agent");

        Assert.True(AgentOS.Voice.Webhooks.StandardWebhook.IsSecret(created.WebhookSecret));
        Assert.Equal(created.WebhookSecret, edited!.WebhookSecret);
        Assert.NotEqual(created.WebhookSecret, rotated!.WebhookSecret);
        Assert.Equal(rotated.WebhookSecret, read!.WebhookSecret);
        var tool = Assert.Single(read.Tools);
        Assert.Equal(("book_slot", "https://clinic.example/book", 3), (tool.Name, tool.Url, tool.TimeoutSeconds));
        Assert.Equal(parameters.GetRawText(), tool.Parameters.GetRawText());
        Assert.Equal(schema.GetRawText(), read.OutcomeSchema!.Value.GetRawText());
        Assert.Equal("https://clinic.example/hook", read.OutcomeWebhookUrl);
        Assert.True(read.PreemptiveGeneration);
        // The API's JSON never carries the secret.
        Assert.DoesNotContain("whsec_", System.Text.Json.JsonSerializer.Serialize(read, new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web)));
    }

    [Fact]
    public async Task Update_of_a_missing_agent_returns_null_and_creates_nothing()
    {
        var store = NewStore("updmiss");

        Assert.Null(await store.UpdateAsync(Sample("ghost")));
        Assert.Null(await store.GetAsync("ghost"));
    }

    [Fact]
    public async Task An_update_racing_another_writer_fails_instead_of_overwriting_it()
    {
        var plain = new TableServiceClient(azurite.ConnectionString);
        var options = new TableClientOptions();
        // Another writer slips in between the store's read and its conditional replace.
        options.AddPolicy(new BeforeFirstReplace(() => plain.GetTableClient("raceagents").UpdateEntityAsync(
            new TableEntity(AgentTableEntity.PartitionKey, "race-agent") { ["Name"] = "Other writer" }, ETag.All, TableUpdateMode.Merge)), HttpPipelinePosition.PerCall);
        var store = new TableAgentStore(new TableServiceClient(azurite.ConnectionString, options), Options.Create(new StorageOptions { NamePrefix = "race" }), _time);
        await store.CreateAsync(Sample("race-agent"));

        var error = await Assert.ThrowsAsync<AgentConcurrencyException>(() => store.UpdateAsync(Sample("race-agent") with { Name = "Mine" }));

        Assert.Equal("race-agent", error.AgentId);
        Assert.Equal("Other writer", (await store.GetAsync("race-agent"))!.Name);
    }

    private sealed class BeforeFirstReplace(Func<Task> interfere) : HttpPipelinePolicy
    {
        private int _done;

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
            ProcessAsync(message, pipeline).AsTask().GetAwaiter().GetResult();

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            if (message.Request.Method == RequestMethod.Put && message.Request.Headers.Contains("If-Match") &&
                Interlocked.Exchange(ref _done, 1) == 0)
            {
                await interfere();
            }

            await ProcessNextAsync(message, pipeline);
        }
    }

    [Fact]
    public async Task Delete_removes_the_agent_and_reports_a_missing_one()
    {
        var store = NewStore("del");
        await store.CreateAsync(Sample("del-agent"));

        Assert.True(await store.DeleteAsync("del-agent"));
        Assert.Null(await store.GetAsync("del-agent"));
        Assert.False(await store.DeleteAsync("del-agent"));
    }

    [Fact]
    public async Task Reads_before_the_first_agent_find_nothing_and_leave_no_table_behind()
    {
        var store = NewStore("coldread");

        Assert.Null(await store.GetAsync("nobody"));
        Assert.Empty(await store.ListAsync());
        var tables = new TableServiceClient(azurite.ConnectionString).QueryAsync(t => t.Name == "coldreadagents");
        Assert.Empty(await tables.ToListAsync());

        await store.CreateAsync(Sample("first"));
        Assert.NotNull(await store.GetAsync("first"));
    }

    [Fact]
    public async Task List_returns_only_this_prefixes_agents()
    {
        var store = NewStore("lista");
        await store.CreateAsync(Sample("one"));
        await store.CreateAsync(Sample("two"));
        await NewStore("listb").CreateAsync(Sample("three"));

        var ids = (await store.ListAsync()).Select(a => a.Id).Order().ToArray();

        Assert.Equal(["one", "two"], ids);
    }
}
