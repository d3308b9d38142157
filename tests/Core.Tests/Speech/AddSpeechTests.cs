using AgentOS.Voice.Speech;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AgentOS.Voice.Core.Tests.Speech;

public class AddSpeechTests
{
    private static IHost Build(Dictionary<string, string?> settings, string environment = "Development")
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = environment });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddSpeech(builder.Configuration, builder.Environment);
        return builder.Build();
    }

    [Fact]
    public async Task Without_an_elevenlabs_key_espeak_ng_is_the_synthesizer()
    {
        using var host = Build(new() { ["Speech:Espeak:WordsPerMinute"] = "150" });
        await host.StartAsync();

        var synthesizer = host.Services.GetRequiredService<ISpeechSynthesizer>();
        Assert.IsType<EspeakSpeechSynthesizer>(synthesizer);
        Assert.Equal("espeak-ng", synthesizer.ProviderName);
        Assert.Equal(150, host.Services.GetRequiredService<IOptions<EspeakOptions>>().Value.WordsPerMinute);
        await host.StopAsync();
    }

    [Fact]
    public async Task With_an_elevenlabs_key_elevenlabs_is_the_synthesizer()
    {
        using var host = Build(new() { ["Speech:ElevenLabs:ApiKey"] = "key", ["Speech:ElevenLabs:Speed"] = "1.1" });
        await host.StartAsync();

        var synthesizer = host.Services.GetRequiredService<ISpeechSynthesizer>();
        Assert.IsType<ElevenLabsClient>(synthesizer);
        Assert.Equal("elevenlabs", synthesizer.ProviderName);
        Assert.Equal(1.1, host.Services.GetRequiredService<IOptions<ElevenLabsClientOptions>>().Value.Speed);
        await host.StopAsync();
    }

    [Theory]
    [InlineData("Speech:ElevenLabs:Speed", "2", "Speed")]
    [InlineData("Speech:ElevenLabs:OutputFormat", "mp3_44100_128", "ulaw_8000")]
    [InlineData("Speech:ElevenLabs:BaseUrl", "not a url", "BaseUrl")]
    public async Task Invalid_elevenlabs_options_stop_the_host_at_start(string key, string value, string expected)
    {
        using var host = Build(new() { ["Speech:ElevenLabs:ApiKey"] = "key", [key] = value });
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public async Task Invalid_espeak_options_stop_the_host_at_start()
    {
        using var host = Build(new() { ["Speech:Espeak:WordsPerMinute"] = "5" });
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("WordsPerMinute", e.Message);
    }

    [Fact]
    public async Task A_named_elevenlabs_provider_without_its_key_stops_the_host_naming_the_setting()
    {
        using var host = Build(new() { ["Speech:Provider"] = "elevenlabs" });
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("Speech:ElevenLabs:ApiKey is required", e.Message);
    }

    [Fact]
    public async Task A_named_espeak_provider_is_used_even_with_an_elevenlabs_key()
    {
        using var host = Build(new() { ["Speech:Provider"] = "espeak", ["Speech:ElevenLabs:ApiKey"] = "key" });
        await host.StartAsync();
        Assert.IsType<EspeakSpeechSynthesizer>(host.Services.GetRequiredService<ISpeechSynthesizer>());
        await host.StopAsync();
    }

    [Fact]
    public void Outside_development_the_provider_must_be_named_even_with_an_elevenlabs_key()
    {
        var e = Assert.Throws<InvalidOperationException>(() => Build(new() { ["Speech:ElevenLabs:ApiKey"] = "key" }, Environments.Production));
        Assert.Equal("Speech:Provider is required outside Development: elevenlabs (with Speech:ElevenLabs:ApiKey) or espeak (the offline espeak-ng stand-in).", e.Message);
    }

    [Fact]
    public async Task Outside_development_a_named_espeak_provider_is_used()
    {
        using var host = Build(new() { ["Speech:Provider"] = "espeak" }, Environments.Production);
        await host.StartAsync();
        Assert.IsType<EspeakSpeechSynthesizer>(host.Services.GetRequiredService<ISpeechSynthesizer>());
        await host.StopAsync();
    }

    [Fact]
    public void An_unknown_provider_is_refused_naming_the_setting()
    {
        var e = Assert.Throws<InvalidOperationException>(() => Build(new() { ["Speech:Provider"] = "polly" }));
        Assert.Equal("Speech:Provider must be elevenlabs or espeak, not 'polly'.", e.Message);
    }
}
