using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using AgentOS.Voice.Functions.Tests.Calls;
using AgentOS.Voice.Messages;
using AgentOS.Voice.Speech;
using AgentOS.Voice.TestSupport;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AgentOS.Voice.Functions.Tests.Console;

/// <summary>The console's files as the Functions app serves them, and the message audio endpoint its player uses.</summary>
public sealed partial class ConsoleTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private LiveCallTestApp _t = null!;

    public async Task InitializeAsync() => _t = await LiveCallTestApp.StartAsync(azurite);

    public async Task DisposeAsync() => await _t.DisposeAsync();

    [Fact]
    public async Task The_console_page_is_served_with_a_strict_content_security_policy()
    {
        using var client = _t.App.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        using var bare = await client.GetAsync("/console");
        using var page = await client.GetAsync("/console/");

        Assert.Equal(HttpStatusCode.Redirect, bare.StatusCode);
        Assert.Equal("/console/", bare.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var csp = page.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("script-src 'self'", csp);
        Assert.DoesNotContain("unsafe", csp);
        Assert.Equal("nosniff", page.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Contains("<script type=\"module\" src=\"js/app.js\">", await page.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Every_file_the_page_and_its_modules_load_is_served_with_its_type()
    {
        using var client = _t.App.CreateClient();
        var seen = new HashSet<string>();
        var pending = new Queue<string>(["index.html"]);
        while (pending.TryDequeue(out var file))
        {
            if (!seen.Add(file))
            {
                continue;
            }

            using var response = await client.GetAsync("/console/" + file);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{file} should be served, got {(int)response.StatusCode}");
            var expected = Path.GetExtension(file) switch { ".html" => "text/html", ".css" => "text/css", _ => "text/javascript" };
            Assert.Equal(expected, response.Content.Headers.ContentType?.MediaType);

            var text = await response.Content.ReadAsStringAsync();
            var folder = file.Contains('/') ? file[..(file.LastIndexOf('/') + 1)] : string.Empty;
            foreach (Match m in References().Matches(text))
            {
                var reference = m.Groups["path"].Value;
                pending.Enqueue(reference.StartsWith("./", StringComparison.Ordinal) ? folder + reference[2..] : reference);
            }
        }

        Assert.Contains("js/app.js", seen);
        Assert.Contains("console.css", seen);
        Assert.Contains("js/live.js", seen);
    }

    [Fact]
    public async Task The_page_learns_of_a_softphone_only_where_one_is_configured()
    {
        await using var local = new FunctionsAppFactory(azurite.ConnectionString, "cs" + Guid.NewGuid().ToString("n")[..10],
            new Dictionary<string, string> { ["Console:SoftphoneUrl"] = "ws://127.0.0.1:5050/sim/softphone" });

        var here = await _t.Client.GetFromJsonAsync<JsonElement>("/console/config.json");
        var there = await local.CreateClient().GetFromJsonAsync<JsonElement>("/console/config.json");

        Assert.Equal(JsonValueKind.Null, here.GetProperty("softphoneUrl").ValueKind);
        Assert.Equal("ws://127.0.0.1:5050/sim/softphone", there.GetProperty("softphoneUrl").GetString());
    }

    [Theory]
    [InlineData("/console/nothing.js")]
    [InlineData("/console/../host.json")]
    [InlineData("/console/%2e%2e/host.json")]
    [InlineData("/console/js")]
    public async Task Anything_else_under_console_is_a_404(string path)
    {
        using var client = _t.App.CreateClient();

        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task A_rendered_message_plays_as_pcm_wav_for_the_key_holder_only()
    {
        var agent = await _t.AddAgentAsync();
        var muLaw = Enumerable.Range(0, 800).Select(i => (byte)(i % 256)).ToArray();
        var container = _t.App.Services.GetRequiredService<VoiceAudioContainer>();
        await container.EnsureCreatedAsync(CancellationToken.None);
        await container.Client.GetBlobClient("test.wav").UploadAsync(new BinaryData(WavFile.WriteMuLaw(muLaw)));
        var store = _t.App.Services.GetRequiredService<IVoiceMessageStore>();
        var now = DateTimeOffset.UtcNow;
        await store.AddAsync(new VoiceMessage { Id = "msg_played", AgentId = agent.Id, To = "+14155550123", Text = "Hi", CreatedAt = now, AudioBlob = "test.wav" });
        await store.AddAsync(new VoiceMessage { Id = "msg_silent", AgentId = agent.Id, To = "+14155550123", Text = "Hi", CreatedAt = now });
        using var api = _t.App.CreateManagementClient();

        using var audio = await api.GetAsync($"/api/agents/{agent.Id}/messages/msg_played/audio");
        using var notRendered = await api.GetAsync($"/api/agents/{agent.Id}/messages/msg_silent/audio");
        using var noKey = await _t.Client.GetAsync($"/api/agents/{agent.Id}/messages/msg_played/audio");

        Assert.Equal(HttpStatusCode.OK, audio.StatusCode);
        Assert.Equal("audio/wav", audio.Content.Headers.ContentType?.MediaType);
        var wav = WavFile.Read(await audio.Content.ReadAsByteArrayAsync());
        Assert.Equal((WavEncoding.Pcm16, 8000, 1), (wav.Encoding, wav.SampleRate, wav.Channels));
        Assert.Equal(muLaw.Select(MuLaw.Decode), wav.ToPcm16());
        Assert.Equal(HttpStatusCode.NotFound, notRendered.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);
    }

    [Fact]
    public async Task A_stored_recording_plays_for_the_key_holder_only()
    {
        var agent = await _t.AddAgentAsync();
        var pcm = Enumerable.Range(0, 400).Select(i => (short)(i * 50)).ToArray();
        var storage = _t.App.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<AgentOS.Voice.Storage.StorageOptions>>().Value;
        var container = _t.App.Services.GetRequiredService<Azure.Storage.Blobs.BlobServiceClient>()
            .GetBlobContainerClient(AgentOS.Voice.Storage.StorageNames.Prefixed(storage, AgentOS.Voice.Outcomes.OutcomeRecordings.ContainerName));
        await container.CreateIfNotExistsAsync();
        await container.GetBlobClient(AgentOS.Voice.Outcomes.OutcomeRecordings.BlobName(agent.Id, "msg_recorded"))
            .UploadAsync(new BinaryData(WavFile.WritePcm16(pcm, 8000)));
        var store = _t.App.Services.GetRequiredService<IVoiceMessageStore>();
        var now = DateTimeOffset.UtcNow;
        await store.AddAsync(new VoiceMessage { Id = "msg_recorded", AgentId = agent.Id, To = "+14155550123", Text = "Hi", CreatedAt = now });
        await store.AddAsync(new VoiceMessage { Id = "msg_unrecorded", AgentId = agent.Id, To = "+14155550123", Text = "Hi", CreatedAt = now });
        using var api = _t.App.CreateManagementClient();

        using var recording = await api.GetAsync($"/api/agents/{agent.Id}/messages/msg_recorded/recording");
        using var none = await api.GetAsync($"/api/agents/{agent.Id}/messages/msg_unrecorded/recording");
        using var noKey = await _t.Client.GetAsync($"/api/agents/{agent.Id}/messages/msg_recorded/recording");

        Assert.Equal(HttpStatusCode.OK, recording.StatusCode);
        Assert.Equal(pcm, WavFile.Read(await recording.Content.ReadAsByteArrayAsync()).ToPcm16());
        Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);
    }

    // src="…", href="…" (not #/ links or absolute URLs) and module imports: from './x.js', import('./x.js').
    [GeneratedRegex("""(?:src|href)="(?<path>(?!#|https?:|/)[^"]+)"|from '(?<path>\./[^']+)'|import\('(?<path>\./[^']+)'\)""")]
    private static partial Regex References();
}
