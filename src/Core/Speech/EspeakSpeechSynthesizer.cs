using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;

namespace AgentOS.Voice.Speech;

/// <summary>
/// Offline speech with espeak-ng: runs it as a process writing a 22,050 Hz WAV to stdout, then resamples and
/// mu-law encodes in-process (no SoX needed where the product runs). Robotic, but needs no key or network.
/// </summary>
public sealed class EspeakSpeechSynthesizer : ISpeechSynthesizer
{
    public const string Provider = "espeak-ng";

    private readonly EspeakOptions _options;
    private readonly Lock _voicesLock = new();
    private Task<IReadOnlySet<string>>? _voices;

    public EspeakSpeechSynthesizer(IOptions<EspeakOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
    }

    public string ProviderName => Provider;

    public async Task<SynthesizedSpeech> SynthesizeAsync(SpeechRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        var voice = await ResolveVoiceAsync(request, cancellationToken).ConfigureAwait(false);
        var wpm = _options.WordsPerMinute.ToString(CultureInfo.InvariantCulture);

        // Text goes through stdin, never the command line, so text starting with '-' cannot be read as an option.
        var stdout = await RunAsync(["--stdout", "--stdin", "-b", "1", "-v", voice, "-s", wpm], request.Text, cancellationToken).ConfigureAwait(false);

        WavFile wav;
        try
        {
            wav = WavFile.Read(stdout);
        }
        catch (InvalidDataException e)
        {
            throw new SpeechSynthesisException(Provider, $"espeak-ng produced unreadable audio for voice '{voice}': {e.Message}", e);
        }

        // The model slot records the speaking rate, so a rate change renders (and caches) new audio.
        return new SynthesizedSpeech(TelephoneAudio.ToMuLaw8kMono(wav), Provider, voice, $"{wpm}wpm");
    }

    /// <summary>
    /// The requested voice when espeak-ng knows it (a variant suffix like "+f3" is allowed); otherwise one derived from
    /// the language: the full tag when espeak-ng has it (en-US → en-us), else its primary subtag (es-ES → es).
    /// </summary>
    internal async Task<string> ResolveVoiceAsync(SpeechRequest request, CancellationToken cancellationToken)
    {
        var voices = await VoicesAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        if (!string.IsNullOrWhiteSpace(request.Voice) && voices.Contains(request.Voice.Split('+')[0]))
        {
            return request.Voice;
        }

        var language = string.IsNullOrWhiteSpace(request.Language) ? "en" : request.Language.Replace('_', '-').ToLowerInvariant();
        if (voices.Contains(language))
        {
            return language;
        }

        var primary = language.Split('-')[0];
        if (voices.Contains(primary))
        {
            return primary;
        }

        throw new SpeechSynthesisException(Provider, $"espeak-ng has no voice '{request.Voice}' and none for language '{request.Language}'.");
    }

    /// <summary>espeak-ng's voice list, read once; a failed read is not kept, so installing espeak-ng later needs no restart.</summary>
    private Task<IReadOnlySet<string>> VoicesAsync()
    {
        lock (_voicesLock)
        {
            if (_voices is null || _voices.IsFaulted)
            {
                _voices = LoadVoicesAsync();
            }

            return _voices;
        }
    }

    private async Task<IReadOnlySet<string>> LoadVoicesAsync()
    {
        var stdout = await RunAsync(["--voices"], stdin: null, CancellationToken.None).ConfigureAwait(false);

        // Columns: Pty Language Age/Gender VoiceName File Other-languages. Language, name and file all select a voice.
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in Encoding.UTF8.GetString(stdout).Split('\n').Skip(1))
        {
            var columns = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (columns.Length >= 5)
            {
                names.Add(columns[1]);
                names.Add(columns[3]);
                names.Add(columns[4]);
                names.Add(columns[4].Split('/')[^1]);
            }
        }

        return names;
    }

    private async Task<byte[]> RunAsync(IEnumerable<string> arguments, string? stdin, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(_options.ExecutablePath)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new SpeechSynthesisException(Provider, $"espeak-ng ('{_options.ExecutablePath}') did not start.");
        }
        catch (Win32Exception e)
        {
            throw new SpeechSynthesisException(Provider,
                $"espeak-ng could not be started from '{_options.ExecutablePath}' ({e.Message}). Install espeak-ng or set {EspeakOptions.SectionName}:ExecutablePath.", e);
        }

        using (process)
        {
            try
            {
                // Read both pipes while writing stdin, so neither side blocks on a full pipe.
                using var stdout = new MemoryStream();
                var stdoutTask = process.StandardOutput.BaseStream.CopyToAsync(stdout, cancellationToken);
                var stderrTask = process.StandardError.ReadToEndAsync(cancellationToken);
                try
                {
                    // Straight to the pipe, so nothing stays buffered in the writer to fail again when the process is disposed.
                    if (stdin is not null)
                    {
                        var input = process.StandardInput.BaseStream;
                        await input.WriteAsync(Encoding.UTF8.GetBytes(stdin), cancellationToken).ConfigureAwait(false);
                        await input.FlushAsync(cancellationToken).ConfigureAwait(false);
                    }

                    process.StandardInput.Close();
                }
                catch (IOException)
                {
                    // It exited without reading all its input (a broken pipe); its exit code and stderr below say why.
                }
                await Task.WhenAll(stdoutTask, stderrTask).ConfigureAwait(false);
                await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);

                var stderr = (await stderrTask.ConfigureAwait(false)).Trim();
                if (process.ExitCode != 0)
                {
                    throw new SpeechSynthesisException(Provider,
                        $"espeak-ng exited with code {process.ExitCode}: {(stderr.Length == 0 ? "(no error output)" : stderr)}");
                }

                return stdout.ToArray();
            }
            catch (OperationCanceledException)
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }

                throw;
            }
        }
    }
}
