using AgentOS.Voice.Speech;
using Microsoft.Extensions.Options;

namespace AgentOS.Voice.Core.Tests.Speech;

/// <summary>Runs the real espeak-ng.</summary>
public sealed class EspeakSpeechSynthesizerTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static EspeakSpeechSynthesizer Create(string executable = "espeak-ng", int wordsPerMinute = 175) =>
        new(Options.Create(new EspeakOptions { ExecutablePath = executable, WordsPerMinute = wordsPerMinute }));

    [Fact]
    public async Task Speaks_text_as_mu_law_8_khz_that_sox_reads()
    {
        var speech = await Create().SynthesizeAsync(new SpeechRequest("Your appointment is tomorrow at nine.", "en-us", "en-US"));

        Assert.Equal(("espeak-ng", "en-us", "175wpm"), (speech.Provider, speech.Voice, speech.Model));
        Assert.InRange(speech.Duration.TotalSeconds, 1.0, 5.0);
        Assert.True(Signals.Rms(MuLaw.Decode(speech.MuLawAudio)) > 500, "the audio is silent");

        var path = _temp.File("speech.wav");
        await File.WriteAllBytesAsync(path, speech.ToWav());
        Assert.Equal("u-law", Sox.Info("-e", path));
        Assert.Equal("8000", Sox.Info("-r", path));
        Assert.Equal("1", Sox.Info("-c", path));
        Assert.Equal(speech.MuLawAudio.Length.ToString(), Sox.Info("-s", path));
    }

    [Fact]
    public async Task Same_length_as_espeak_output_resampled_to_8_khz()
    {
        const string text = "Testing one two three.";
        var path = _temp.File("native.wav");
        Sox.RunTool("espeak-ng", "-w", path, "-v", "en-us", text);
        var native = WavFile.Read(await File.ReadAllBytesAsync(path));
        var speech = await Create().SynthesizeAsync(new SpeechRequest(text, "en-us", "en-US"));

        Assert.Equal((native.FrameCount * 8000 + 22049) / 22050, speech.MuLawAudio.Length);
    }

    [Theory]
    [InlineData("en-us", "de-DE", "en-us")]       // an espeak voice name wins over the language
    [InlineData("en-us+f3", "en-US", "en-us+f3")]  // with a variant
    [InlineData("UgBBYS2sOqTuMpoF3BR0", "en-US", "en-us")] // an ElevenLabs id: derive from the language
    [InlineData("UgBBYS2sOqTuMpoF3BR0", "es-ES", "es")]
    [InlineData("", "pt-BR", "pt-br")]
    [InlineData("", "fr-CA", "fr")]
    public async Task Voice_comes_from_the_request_or_the_language(string voice, string language, string expected)
    {
        var speech = await Create().SynthesizeAsync(new SpeechRequest("Hola.", voice, language));
        Assert.Equal(expected, speech.Voice);
        Assert.NotEmpty(speech.MuLawAudio);
    }

    [Fact]
    public async Task Text_that_looks_like_an_option_is_spoken_not_parsed()
    {
        var speech = await Create().SynthesizeAsync(new SpeechRequest("--version minus five", "en-us", "en-US"));
        Assert.True(speech.Duration > TimeSpan.FromSeconds(0.5));
    }

    [Fact]
    public async Task Unknown_language_is_a_clear_error()
    {
        var e = await Assert.ThrowsAsync<SpeechSynthesisException>(() => Create().SynthesizeAsync(new SpeechRequest("Hi.", "nobody", "xx-YY")));
        Assert.Contains("xx-YY", e.Message);
    }

    [Fact]
    public async Task Missing_executable_says_how_to_fix_it()
    {
        var missing = _temp.File("no-espeak-here");
        var e = await Assert.ThrowsAsync<SpeechSynthesisException>(() => Create(missing).SynthesizeAsync(new SpeechRequest("Hi.", "en-us", "en-US")));
        Assert.Contains(missing, e.Message);
        Assert.Contains("Speech:Espeak:ExecutablePath", e.Message);
    }

    [Fact]
    public async Task A_failing_executable_reports_its_stderr_and_exit_code()
    {
        var script = _temp.File("broken-espeak");
        await File.WriteAllTextAsync(script, """
            #!/bin/sh
            if [ "$1" = "--voices" ]; then
              printf 'Pty Language       Age/Gender VoiceName          File                 Other Languages\n 2  en-us           --/M      English_(America)  gmw/en-US            (en 3)\n'
              exit 0
            fi
            echo 'espeak: cannot open phoneme data' >&2
            exit 3

            """);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);
        }

        // Far more text than a pipe buffers: the script exits without reading it, and that must not hide its error.
        var text = string.Concat(Enumerable.Repeat("A long message. ", 20000));
        var e = await Assert.ThrowsAsync<SpeechSynthesisException>(() => Create(script).SynthesizeAsync(new SpeechRequest(text, "en-us", "en-US")));
        Assert.Contains("code 3", e.Message);
        Assert.Contains("cannot open phoneme data", e.Message);
    }

    [Fact]
    public async Task Cancellation_is_honoured()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Create().SynthesizeAsync(new SpeechRequest("Hi.", "en-us", "en-US"), cancelled.Token));
    }

    [Fact]
    public async Task Empty_text_is_refused()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Create().SynthesizeAsync(new SpeechRequest("", "en-us", "en-US")));
    }
}
