using System.Net;
using AgentOS.Voice.Speech;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AgentOS.Voice.Core.Tests.Speech;

public sealed class ElevenLabsClientTests : IAsyncLifetime
{
    private ElevenLabsFake _fake = null!;
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        _fake = await ElevenLabsFake.StartAsync();
        _services = BuildServices(ElevenLabsFake.ApiKey);
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _fake.DisposeAsync();
    }

    /// <summary>Registered as production does: AddSpeech plus the standard resilience handler on every client (here with short delays).</summary>
    private ServiceProvider BuildServices(string apiKey, Dictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Speech:ElevenLabs:ApiKey"] = apiKey,
            ["Speech:ElevenLabs:BaseUrl"] = _fake.BaseUrl,
        };
        foreach (var (key, value) in extra ?? [])
        {
            settings[key] = value;
        }

        var services = new ServiceCollection();
        services.AddLogging();
        services.ConfigureHttpClientDefaults(http => http.AddStandardResilienceHandler(o => o.Retry.Delay = TimeSpan.FromMilliseconds(1)));
        services.AddSpeech(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), new Microsoft.Extensions.Hosting.Internal.HostingEnvironment { EnvironmentName = Microsoft.Extensions.Hosting.Environments.Development });
        return services.BuildServiceProvider(validateScopes: true);
    }

    private ElevenLabsClient Client => Assert.IsType<ElevenLabsClient>(_services.GetRequiredService<ISpeechSynthesizer>());

    private static SpeechRequest Request(string text = "Your appointment is tomorrow.", string voice = ElevenLabsFake.KnownVoice, string language = "es-ES", string? model = null) =>
        new(text, voice, language, model);

    [Fact]
    public async Task Synthesize_posts_the_documented_request_and_returns_mu_law()
    {
        var speech = await Client.SynthesizeAsync(Request());

        var received = Assert.Single(_fake.Requests);
        Assert.Equal($"/v1/text-to-speech/{ElevenLabsFake.KnownVoice}", received.Path);
        Assert.Equal("?output_format=ulaw_8000", received.Query);
        Assert.Equal(ElevenLabsFake.ApiKey, received.ApiKeyHeader);
        Assert.Equal("Your appointment is tomorrow.", (string?)received.Body!["text"]);
        Assert.Equal("eleven_flash_v2_5", (string?)received.Body["model_id"]);
        Assert.Equal("es", (string?)received.Body["language_code"]);
        Assert.Equal(0.5, (double?)received.Body["voice_settings"]!["stability"]);
        Assert.Equal(0.75, (double?)received.Body["voice_settings"]!["similarity_boost"]);
        Assert.Equal(1.0, (double?)received.Body["voice_settings"]!["speed"]);

        Assert.Equal(ElevenLabsFake.Audio, speech.MuLawAudio);
        Assert.Equal(("elevenlabs", ElevenLabsFake.KnownVoice, "eleven_flash_v2_5"), (speech.Provider, speech.Voice, speech.Model));
        Assert.Equal(TimeSpan.FromSeconds(1), speech.Duration);
    }

    [Fact]
    public async Task Language_code_is_sent_only_to_models_that_take_it()
    {
        await Client.SynthesizeAsync(Request(model: "eleven_multilingual_v2"));

        var body = Assert.Single(_fake.Requests).Body!.AsObject();
        Assert.Equal("eleven_multilingual_v2", (string?)body["model_id"]);
        Assert.False(body.ContainsKey("language_code"));
    }

    [Fact]
    public async Task Stream_yields_chunks_as_they_arrive()
    {
        var chunks = new List<byte[]>();
        await foreach (var chunk in Client.StreamAsync(Request()))
        {
            chunks.Add(chunk.ToArray());
            // The fake holds back the second half until now: reaching here proves the first chunk was not buffered.
            _fake.ReleaseStream.TrySetResult();
        }

        Assert.True(chunks.Count >= 2);
        Assert.Equal(ElevenLabsFake.Audio, chunks.SelectMany(c => c).ToArray());
        var received = Assert.Single(_fake.Requests);
        Assert.Equal($"/v1/text-to-speech/{ElevenLabsFake.KnownVoice}/stream", received.Path);
        Assert.Equal("?output_format=ulaw_8000", received.Query);
    }

    [Fact]
    public async Task Stream_errors_surface_before_any_audio()
    {
        var e = await Assert.ThrowsAsync<ElevenLabsException>(async () =>
        {
            await foreach (var _ in Client.StreamAsync(Request(voice: "missing-voice")))
            {
                Assert.Fail("no audio expected");
            }
        });
        Assert.Equal("voice_not_found", e.ErrorCode);
    }

    [Fact]
    public async Task Wrong_key_is_invalid_api_key_and_not_retried()
    {
        await using var services = BuildServices("wrong-key");
        var client = services.GetRequiredService<ElevenLabsClient>();

        var e = await Assert.ThrowsAsync<ElevenLabsException>(() => client.SynthesizeAsync(Request()));

        Assert.Equal(HttpStatusCode.Unauthorized, e.HttpStatus);
        Assert.Equal("invalid_api_key", e.ErrorCode);
        Assert.Equal("elevenlabs", e.Provider);
        Assert.DoesNotContain("wrong-key", e.Message);
        Assert.Single(_fake.Requests);
    }

    [Theory]
    [InlineData(401, "quota_exceeded")]
    [InlineData(400, "max_character_limit_exceeded")]
    [InlineData(403, "only_for_creator+")]
    public async Task Provider_error_codes_are_carried_and_4xx_is_not_retried(int status, string code)
    {
        _fake.Enqueue(status, ElevenLabsFake.Detail(code, "explained by the provider"));

        var e = await Assert.ThrowsAsync<ElevenLabsException>(() => Client.SynthesizeAsync(Request()));

        Assert.Equal((HttpStatusCode)status, e.HttpStatus);
        Assert.Equal(code, e.ErrorCode);
        Assert.Contains("explained by the provider", e.Message);
        Assert.Single(_fake.Requests);
    }

    [Fact]
    public async Task Validation_errors_list_the_invalid_fields_and_are_not_retried()
    {
        _fake.Enqueue(422, """{"detail":[{"loc":["body","voice_settings","speed"],"msg":"ensure this value is less than or equal to 1.2","type":"value_error.number.not_le"},{"loc":["query","output_format"],"msg":"bad","type":"type_error.enum"}]}""");

        var e = await Assert.ThrowsAsync<ElevenLabsException>(() => Client.SynthesizeAsync(Request()));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, e.HttpStatus);
        Assert.Null(e.ErrorCode);
        Assert.Equal(
            [new ElevenLabsInvalidField("body.voice_settings.speed", "ensure this value is less than or equal to 1.2", "value_error.number.not_le"),
             new ElevenLabsInvalidField("query.output_format", "bad", "type_error.enum")],
            e.InvalidFields);
        Assert.Contains("body.voice_settings.speed", e.Message);
        Assert.Single(_fake.Requests);
    }

    [Fact]
    public async Task Too_many_concurrent_requests_is_retried_until_it_succeeds()
    {
        _fake.Enqueue(429, ElevenLabsFake.Detail("too_many_concurrent_requests", "busy"));
        _fake.Enqueue(429, ElevenLabsFake.Detail("too_many_concurrent_requests", "busy"));

        var speech = await Client.SynthesizeAsync(Request());

        Assert.Equal(ElevenLabsFake.Audio, speech.MuLawAudio);
        Assert.Equal(3, _fake.Requests.Count);
    }

    [Fact]
    public async Task Server_errors_are_retried_a_bounded_number_of_times()
    {
        for (var i = 0; i < 10; i++)
        {
            _fake.Enqueue(503, ElevenLabsFake.Detail("system_busy", "try later"));
        }

        var e = await Assert.ThrowsAsync<ElevenLabsException>(() => Client.SynthesizeAsync(Request()));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, e.HttpStatus);
        Assert.Equal("system_busy", e.ErrorCode);
        Assert.Equal(4, _fake.Requests.Count); // the first attempt and the standard handler's 3 retries
    }

    [Fact]
    public async Task Error_bodies_that_are_not_json_still_give_a_clear_error()
    {
        _fake.Enqueue(400, "<html>bad gateway</html>");

        var e = await Assert.ThrowsAsync<ElevenLabsException>(() => Client.SynthesizeAsync(Request()));

        Assert.Null(e.ErrorCode);
        Assert.Contains("HTTP 400", e.Message);
        Assert.Contains("bad gateway", e.Message);
    }

    [Fact]
    public async Task Empty_text_or_voice_is_refused_before_any_request()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Client.SynthesizeAsync(Request(text: " ")));
        await Assert.ThrowsAsync<ArgumentException>(() => Client.SynthesizeAsync(Request(voice: "")));
        Assert.Empty(_fake.Requests);
    }
}
