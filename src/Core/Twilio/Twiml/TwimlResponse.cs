using System.Globalization;
using System.Text;
using System.Xml;
using Microsoft.AspNetCore.Http;

namespace AgentOS.Voice.Twilio.Twiml;

/// <summary>
/// Builds a TwiML <c>&lt;Response&gt;</c> through <see cref="XmlWriter"/>, so greetings, names and URLs that come from
/// users are always escaped. Arguments are checked when a verb is added; nothing is written until <see cref="ToXml"/>.
/// </summary>
public sealed class TwimlResponse
{
    public const string ContentType = "text/xml; charset=utf-8";

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);
    private readonly List<Action<XmlWriter>> _verbs = [];

    public TwimlResponse Say(string text, SayOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        NotNegative(options?.Loop, nameof(SayOptions.Loop));
        return Add(w =>
        {
            w.WriteStartElement("Say");
            Attr(w, "voice", options?.Voice);
            Attr(w, "language", options?.Language);
            Attr(w, "loop", options?.Loop);
            w.WriteString(XmlText.Strip(text));
            w.WriteEndElement();
        });
    }

    /// <summary>Plays audio from <paramref name="url"/>, or only DTMF digits when the URL is null.</summary>
    public TwimlResponse Play(string? url, PlayOptions? options = null)
    {
        if (url is null && string.IsNullOrEmpty(options?.Digits))
        {
            throw new ArgumentException("<Play> needs an audio URL or digits.", nameof(url));
        }

        if (url is not null)
        {
            AbsoluteUrl(url, nameof(url), "http", "https");
        }

        NotNegative(options?.Loop, nameof(PlayOptions.Loop));
        return Add(w =>
        {
            w.WriteStartElement("Play");
            Attr(w, "loop", options?.Loop);
            Attr(w, "digits", options?.Digits);
            if (url is not null)
            {
                w.WriteString(url);
            }

            w.WriteEndElement();
        });
    }

    /// <summary>Silence for <paramref name="length"/> seconds (Twilio's default is 1).</summary>
    public TwimlResponse Pause(int? length = null)
    {
        NotNegative(length, nameof(length));
        return Add(w =>
        {
            w.WriteStartElement("Pause");
            Attr(w, "length", length);
            w.WriteEndElement();
        });
    }

    public TwimlResponse Record(RecordOptions? options = null)
    {
        NotNegative(options?.Timeout, nameof(RecordOptions.Timeout));
        NotNegative(options?.MaxLength, nameof(RecordOptions.MaxLength));
        Method(options?.Method, nameof(RecordOptions.Method));
        Method(options?.RecordingStatusCallbackMethod, nameof(RecordOptions.RecordingStatusCallbackMethod));
        return Add(w =>
        {
            w.WriteStartElement("Record");
            if (options is not null)
            {
                Attr(w, "action", options.Action);
                Attr(w, "method", options.Method?.Method);
                Attr(w, "timeout", options.Timeout);
                Attr(w, "finishOnKey", options.FinishOnKey);
                Attr(w, "maxLength", options.MaxLength);
                Attr(w, "playBeep", options.PlayBeep);
                Attr(w, "trim", options.Trim switch
                {
                    RecordTrim.TrimSilence => "trim-silence",
                    RecordTrim.DoNotTrim => "do-not-trim",
                    _ => null,
                });
                Attr(w, "recordingStatusCallback", options.RecordingStatusCallback);
                Attr(w, "recordingStatusCallbackMethod", options.RecordingStatusCallbackMethod?.Method);
                Attr(w, "recordingStatusCallbackEvent", Join(options.RecordingStatusCallbackEvent, " "));
                Attr(w, "transcribe", options.Transcribe);
                Attr(w, "transcribeCallback", options.TranscribeCallback);
            }

            w.WriteEndElement();
        });
    }

    public TwimlResponse Hangup() => Add(w =>
    {
        w.WriteStartElement("Hangup");
        w.WriteEndElement();
    });

    public TwimlResponse Redirect(string url, HttpMethod? method = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(url);
        Method(method, nameof(method));
        return Add(w =>
        {
            w.WriteStartElement("Redirect");
            Attr(w, "method", method?.Method);
            w.WriteString(url);
            w.WriteEndElement();
        });
    }

    /// <summary>Dials one or more numbers (they ring at once; the first to answer is bridged).</summary>
    public TwimlResponse Dial(IReadOnlyList<string> numbers, DialOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(numbers);
        if (numbers.Count == 0 || numbers.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException("<Dial> needs at least one number, and no number may be empty.", nameof(numbers));
        }

        NotNegative(options?.Timeout, nameof(DialOptions.Timeout));
        NotNegative(options?.TimeLimit, nameof(DialOptions.TimeLimit));
        Method(options?.Method, nameof(DialOptions.Method));
        var copy = numbers.ToArray();
        return Add(w =>
        {
            w.WriteStartElement("Dial");
            if (options is not null)
            {
                Attr(w, "callerId", options.CallerId);
                Attr(w, "timeout", options.Timeout);
                Attr(w, "action", options.Action);
                Attr(w, "method", options.Method?.Method);
                Attr(w, "answerOnBridge", options.AnswerOnBridge);
                Attr(w, "timeLimit", options.TimeLimit);
                Attr(w, "record", options.Record);
            }

            foreach (var number in copy)
            {
                w.WriteElementString("Number", number);
            }

            w.WriteEndElement();
        });
    }

    public TwimlResponse Dial(string number, DialOptions? options = null) => Dial([number], options);

    /// <summary><c>&lt;Connect&gt;&lt;ConversationRelay&gt;</c>: hands the call to our relay socket.</summary>
    public TwimlResponse ConnectConversationRelay(ConversationRelayOptions relay, ConnectOptions? connect = null)
    {
        ArgumentNullException.ThrowIfNull(relay);
        AbsoluteUrl(relay.Url, nameof(relay.Url), "wss", "ws");
        Method(connect?.Method, nameof(ConnectOptions.Method));
        CheckParameters(relay.Parameters);
        if (relay.Languages.Any(l => string.IsNullOrWhiteSpace(l.Code)))
        {
            throw new ArgumentException("Every <Language> needs a code.", nameof(relay));
        }

        if (relay.SpeechTimeoutMs is < 600 or > 5000)
        {
            throw new ArgumentOutOfRangeException(nameof(relay), relay.SpeechTimeoutMs, "speechTimeout must be 600–5000 ms.");
        }

        if (relay.EotThreshold is < 0.5 or > 0.9)
        {
            throw new ArgumentOutOfRangeException(nameof(relay), relay.EotThreshold, "eotThreshold must be 0.5–0.9.");
        }

        return Add(w =>
        {
            StartConnect(w, connect);
            w.WriteStartElement("ConversationRelay");
            ConversationRelayWriter.WriteAttributes(w, relay);
            WriteParameters(w, relay.Parameters);
            foreach (var language in relay.Languages)
            {
                w.WriteStartElement("Language");
                Attr(w, "code", language.Code);
                Attr(w, "ttsProvider", language.TtsProvider);
                Attr(w, "voice", language.Voice);
                Attr(w, "transcriptionProvider", language.TranscriptionProvider);
                Attr(w, "speechModel", language.SpeechModel);
                w.WriteEndElement();
            }

            w.WriteEndElement();
            w.WriteEndElement();
        });
    }

    /// <summary><c>&lt;Connect&gt;&lt;Stream&gt;</c>: a bidirectional Media Stream to our socket.</summary>
    public TwimlResponse ConnectStream(StreamOptions stream, ConnectOptions? connect = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var uri = AbsoluteUrl(stream.Url, nameof(stream.Url), "wss", "ws");
        if (!string.IsNullOrEmpty(uri.Query))
        {
            throw new ArgumentException(
                $"Media Streams URLs must not carry a query string (Twilio fails the handshake with error 31920): {stream.Url}. " +
                "Pass values as Parameters instead.", nameof(stream));
        }

        Method(connect?.Method, nameof(ConnectOptions.Method));
        Method(stream.StatusCallbackMethod, nameof(StreamOptions.StatusCallbackMethod));
        CheckParameters(stream.Parameters);
        return Add(w =>
        {
            StartConnect(w, connect);
            w.WriteStartElement("Stream");
            Attr(w, "url", stream.Url);
            Attr(w, "name", stream.Name);
            Attr(w, "statusCallback", stream.StatusCallback);
            Attr(w, "statusCallbackMethod", stream.StatusCallbackMethod?.Method);
            WriteParameters(w, stream.Parameters);
            w.WriteEndElement();
            w.WriteEndElement();
        });
    }

    /// <summary>The document as UTF-8 bytes, as served to Twilio (Content-Type text/xml; charset=utf-8).</summary>
    public byte[] ToUtf8Bytes()
    {
        using var buffer = new MemoryStream();
        var settings = new XmlWriterSettings
        {
            Encoding = Utf8,
            // XmlWriter would spell the encoding "utf-8"; Twilio's own libraries write "UTF-8", so we write the
            // declaration ourselves.
            OmitXmlDeclaration = false,
            ConformanceLevel = ConformanceLevel.Document,
            Indent = false,
        };
        using (var writer = XmlWriter.Create(buffer, settings))
        {
            writer.WriteProcessingInstruction("xml", "version=\"1.0\" encoding=\"UTF-8\"");
            writer.WriteStartElement("Response");
            foreach (var verb in _verbs)
            {
                verb(writer);
            }

            writer.WriteEndElement();
        }

        return buffer.ToArray();
    }

    public string ToXml() => Utf8.GetString(ToUtf8Bytes());

    /// <summary>The document as a minimal-API result with the content type Twilio expects.</summary>
    public IResult ToHttpResult() => Results.Bytes(ToUtf8Bytes(), ContentType);

    public override string ToString() => ToXml();

    internal static void Attr(XmlWriter w, string name, string? value)
    {
        if (value is not null)
        {
            w.WriteAttributeString(name, XmlText.Strip(value));
        }
    }

    internal static void Attr(XmlWriter w, string name, int? value) =>
        Attr(w, name, value?.ToString(CultureInfo.InvariantCulture));

    internal static void Attr(XmlWriter w, string name, bool? value) =>
        Attr(w, name, value is null ? null : value.Value ? "true" : "false");

    internal static string? Join(IReadOnlyList<string>? values, string separator) =>
        values is null || values.Count == 0 ? null : string.Join(separator, values);

    private TwimlResponse Add(Action<XmlWriter> verb)
    {
        _verbs.Add(verb);
        return this;
    }

    private static void StartConnect(XmlWriter w, ConnectOptions? connect)
    {
        w.WriteStartElement("Connect");
        Attr(w, "action", connect?.Action);
        Attr(w, "method", connect?.Method?.Method);
    }

    private static void WriteParameters(XmlWriter w, IReadOnlyList<TwimlParameter> parameters)
    {
        foreach (var parameter in parameters)
        {
            w.WriteStartElement("Parameter");
            w.WriteAttributeString("name", XmlText.Strip(parameter.Name));
            w.WriteAttributeString("value", XmlText.Strip(parameter.Value));
            w.WriteEndElement();
        }
    }

    private static void CheckParameters(IReadOnlyList<TwimlParameter> parameters)
    {
        if (parameters.Any(p => string.IsNullOrWhiteSpace(p.Name) || p.Value is null))
        {
            throw new ArgumentException("Every <Parameter> needs a name and a value.", nameof(parameters));
        }
    }

    private static Uri AbsoluteUrl(string? url, string name, params string[] schemes)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || !schemes.Contains(uri.Scheme))
        {
            throw new ArgumentException($"{name} must be an absolute {string.Join(" or ", schemes)} URL, not '{url}'.", name);
        }

        return uri;
    }

    private static void Method(HttpMethod? method, string name)
    {
        if (method is not null && method != HttpMethod.Get && method != HttpMethod.Post)
        {
            throw new ArgumentException($"{name} must be GET or POST, not {method}.", name);
        }
    }

    private static void NotNegative(int? value, string name)
    {
        if (value < 0)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must not be negative.");
        }
    }
}
