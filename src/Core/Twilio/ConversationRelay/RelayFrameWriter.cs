using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace AgentOS.Voice.Twilio.ConversationRelay;

/// <summary>
/// Writes app → Twilio ConversationRelay frames into one reused buffer, so a streamed token costs no allocation here.
/// Each Write method returns the frame's bytes, valid until the next write. Not thread-safe: one per socket, used
/// under that socket's single-writer lock. Shapes Twilio rejects (text without token, end with an object as
/// handoffData, language with neither field) cannot be written: the API has no way to express them or throws.
/// </summary>
public sealed class RelayFrameWriter : IDisposable
{
    // Twilio parses the JSON itself and never embeds it in HTML, so non-ASCII speech can stay unescaped (smaller frames).
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    private readonly ArrayBufferWriter<byte> _buffer = new(256);
    private readonly Utf8JsonWriter _json;

    public RelayFrameWriter()
    {
        _json = new Utf8JsonWriter(_buffer, Options);
    }

    /// <summary>A piece of the answer to speak. Send tokens as they come, unchanged (spaces matter); end the answer with last=true.</summary>
    public ReadOnlyMemory<byte> WriteText(ReadOnlySpan<char> token, bool last, string? lang = null, bool? interruptible = null, bool? preemptible = null)
    {
        Begin("text"u8);
        _json.WriteString("token"u8, token);
        _json.WriteBoolean("last"u8, last);
        if (lang is not null)
        {
            _json.WriteString("lang"u8, lang);
        }

        WriteOptionalBool("interruptible"u8, interruptible);
        WriteOptionalBool("preemptible"u8, preemptible);
        return End();
    }

    /// <summary>Plays audio from a URL. <paramref name="loop"/> 0 means 1000 times, as Twilio defines it.</summary>
    public ReadOnlyMemory<byte> WritePlay(Uri source, int loop = 1, bool? preemptible = null, bool? interruptible = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (!source.IsAbsoluteUri)
        {
            throw new ArgumentException("A play source must be an absolute URL.", nameof(source));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(loop);
        Begin("play"u8);
        _json.WriteString("source"u8, source.AbsoluteUri);
        _json.WriteNumber("loop"u8, loop);
        WriteOptionalBool("preemptible"u8, preemptible);
        WriteOptionalBool("interruptible"u8, interruptible);
        return End();
    }

    /// <summary>Sends DTMF tones to the other party: 0-9, *, #, and w for a half-second pause.</summary>
    public ReadOnlyMemory<byte> WriteSendDigits(string digits)
    {
        if (string.IsNullOrEmpty(digits) || !digits.All(c => char.IsAsciiDigit(c) || c is '*' or '#' or 'w' or 'W'))
        {
            throw new ArgumentException("Digits must be one or more of 0-9, *, #, w.", nameof(digits));
        }

        Begin("sendDigits"u8);
        _json.WriteString("digits"u8, digits);
        return End();
    }

    /// <summary>Switches the speech and/or transcription language; at least one must be given.</summary>
    public ReadOnlyMemory<byte> WriteLanguage(string? ttsLanguage, string? transcriptionLanguage)
    {
        if (string.IsNullOrWhiteSpace(ttsLanguage) && string.IsNullOrWhiteSpace(transcriptionLanguage))
        {
            throw new ArgumentException("A language message needs a ttsLanguage, a transcriptionLanguage, or both.");
        }

        Begin("language"u8);
        if (!string.IsNullOrWhiteSpace(ttsLanguage))
        {
            _json.WriteString("ttsLanguage"u8, ttsLanguage);
        }

        if (!string.IsNullOrWhiteSpace(transcriptionLanguage))
        {
            _json.WriteString("transcriptionLanguage"u8, transcriptionLanguage);
        }

        return End();
    }

    /// <summary>Ends the session; Twilio then requests the &lt;Connect action&gt; URL with <paramref name="handoffData"/> as HandoffData.</summary>
    public ReadOnlyMemory<byte> WriteEnd(string? handoffData = null)
    {
        Begin("end"u8);
        if (handoffData is not null)
        {
            _json.WriteString("handoffData"u8, handoffData);
        }

        return End();
    }

    /// <summary>Ends the session with <paramref name="handoffData"/> JSON-encoded into the string Twilio requires.</summary>
    public ReadOnlyMemory<byte> WriteEnd<T>(T handoffData, JsonTypeInfo<T> typeInfo) =>
        WriteEnd(JsonSerializer.Serialize(handoffData, typeInfo));

    private void Begin(ReadOnlySpan<byte> type)
    {
        _buffer.ResetWrittenCount();
        _json.Reset(_buffer);
        _json.WriteStartObject();
        _json.WriteString("type"u8, type);
    }

    private ReadOnlyMemory<byte> End()
    {
        _json.WriteEndObject();
        _json.Flush();
        return _buffer.WrittenMemory;
    }

    private void WriteOptionalBool(ReadOnlySpan<byte> name, bool? value)
    {
        if (value is { } v)
        {
            _json.WriteBoolean(name, v);
        }
    }

    public void Dispose() => _json.Dispose();
}
