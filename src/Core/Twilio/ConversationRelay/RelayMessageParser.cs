using System.Globalization;
using System.Text.Json;

namespace AgentOS.Voice.Twilio.ConversationRelay;

/// <summary>
/// Parses one ConversationRelay frame (UTF-8 JSON) in a single forward pass with <see cref="Utf8JsonReader"/>: no
/// reflection, no DOM. Bad input never throws; it yields a failure with a reason the socket loop can log.
/// </summary>
public static class RelayMessageParser
{
    public static RelayParseResult Parse(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty)
        {
            return RelayParseResult.Fail("empty frame");
        }

        try
        {
            return ParseObject(utf8);
        }
        catch (JsonException e)
        {
            return RelayParseResult.Fail($"not valid JSON: {e.Message}");
        }
        catch (InvalidOperationException e)
        {
            // Utf8JsonReader throws this for a value of an unexpected kind (e.g. a number read as a string).
            return RelayParseResult.Fail($"unexpected value: {e.Message}");
        }
    }

    private static RelayParseResult ParseObject(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        if (!reader.Read())
        {
            return RelayParseResult.Fail("empty frame");
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return RelayParseResult.Fail($"expected a JSON object, got {reader.TokenType}");
        }

        var f = new Fields();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            ReadProperty(ref reader, ref f, utf8);
        }

        if (reader.TokenType != JsonTokenType.EndObject)
        {
            return RelayParseResult.Fail("truncated JSON object");
        }

        // Anything after the object (a second value, garbage) makes the frame invalid.
        if (reader.Read())
        {
            return RelayParseResult.Fail("unexpected data after the JSON object");
        }

        if (!f.TypeSeen)
        {
            return RelayParseResult.Fail("no \"type\" field");
        }

        if (f.Type is null)
        {
            return RelayParseResult.Fail("\"type\" is not a string");
        }

        return f.Type switch
        {
            "setup" => new RelayParseResult(new SetupMessage
            {
                SessionId = f.SessionId ?? string.Empty,
                AccountSid = f.AccountSid ?? string.Empty,
                ParentCallSid = f.ParentCallSid ?? string.Empty,
                CallSid = f.CallSid ?? string.Empty,
                From = f.From ?? string.Empty,
                To = f.To ?? string.Empty,
                ForwardedFrom = f.ForwardedFrom ?? string.Empty,
                CallType = f.CallType ?? string.Empty,
                CallerName = f.CallerName ?? string.Empty,
                Direction = f.Direction ?? string.Empty,
                CallStatus = f.CallStatus ?? string.Empty,
                CustomParameters = f.CustomParameters ?? new Dictionary<string, string>(),
            }, null),
            "prompt" => f.VoicePrompt is null
                ? RelayParseResult.Fail("prompt without a string \"voicePrompt\"")
                : new RelayParseResult(new PromptMessage(f.VoicePrompt, f.Lang, f.Last ?? true), null),
            "dtmf" => IsSingleKey(f.Digit)
                ? new RelayParseResult(new DtmfMessage(f.Digit!), null)
                : RelayParseResult.Fail($"dtmf \"digit\" must be one key of 0-9 * # A-D, got {(f.Digit is null ? "none" : $"'{f.Digit}'")}"),
            "interrupt" => new RelayParseResult(new InterruptMessage(f.Utterance ?? string.Empty, f.DurationMs), null),
            "error" => new RelayParseResult(new ErrorMessage(f.Description ?? string.Empty), null),
            "info" => new RelayParseResult(new InfoMessage(f.Name, f.Value), null),
            _ => new RelayParseResult(new UnknownMessage(f.Type), null),
        };
    }

    private static void ReadProperty(ref Utf8JsonReader reader, ref Fields f, ReadOnlySpan<byte> source)
    {
        if (reader.ValueTextEquals("type"u8))
        {
            reader.Read();
            f.TypeSeen = true;
            f.Type = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            reader.Skip();
        }
        else if (reader.ValueTextEquals("voicePrompt"u8)) f.VoicePrompt = ReadString(ref reader);
        else if (reader.ValueTextEquals("lang"u8)) f.Lang = ReadString(ref reader);
        else if (reader.ValueTextEquals("last"u8)) f.Last = ReadBool(ref reader);
        else if (reader.ValueTextEquals("digit"u8)) f.Digit = ReadString(ref reader);
        else if (reader.ValueTextEquals("utteranceUntilInterrupt"u8)) f.Utterance = ReadString(ref reader);
        else if (reader.ValueTextEquals("durationUntilInterruptMs"u8)) f.DurationMs = ReadNumberOrString(ref reader);
        else if (reader.ValueTextEquals("description"u8)) f.Description = ReadString(ref reader);
        else if (reader.ValueTextEquals("name"u8)) f.Name = ReadLenient(ref reader, source);
        else if (reader.ValueTextEquals("value"u8)) f.Value = ReadLenient(ref reader, source);
        else if (reader.ValueTextEquals("sessionId"u8)) f.SessionId = ReadString(ref reader);
        else if (reader.ValueTextEquals("accountSid"u8)) f.AccountSid = ReadString(ref reader);
        else if (reader.ValueTextEquals("parentCallSid"u8)) f.ParentCallSid = ReadString(ref reader);
        else if (reader.ValueTextEquals("callSid"u8)) f.CallSid = ReadString(ref reader);
        else if (reader.ValueTextEquals("from"u8)) f.From = ReadString(ref reader);
        else if (reader.ValueTextEquals("to"u8)) f.To = ReadString(ref reader);
        else if (reader.ValueTextEquals("forwardedFrom"u8)) f.ForwardedFrom = ReadString(ref reader);
        else if (reader.ValueTextEquals("callType"u8)) f.CallType = ReadString(ref reader);
        else if (reader.ValueTextEquals("callerName"u8)) f.CallerName = ReadString(ref reader);
        else if (reader.ValueTextEquals("direction"u8)) f.Direction = ReadString(ref reader);
        else if (reader.ValueTextEquals("callStatus"u8)) f.CallStatus = ReadString(ref reader);
        else if (reader.ValueTextEquals("customParameters"u8)) f.CustomParameters = ReadParameters(ref reader, source);
        else
        {
            reader.Read();
            reader.Skip();
        }
    }

    /// <summary>A string value, or null for any other kind (which is skipped whole).</summary>
    private static string? ReadString(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.String)
        {
            return reader.GetString();
        }

        reader.Skip();
        return null;
    }

    private static bool? ReadBool(ref Utf8JsonReader reader)
    {
        reader.Read();
        switch (reader.TokenType)
        {
            case JsonTokenType.True: return true;
            case JsonTokenType.False: return false;
            case JsonTokenType.String when bool.TryParse(reader.GetString(), out var b): return b;
            default:
                reader.Skip();
                return null;
        }
    }

    // One doc revision showed the duration as a string, and it may be fractional.
    private static double? ReadNumberOrString(ref Utf8JsonReader reader)
    {
        reader.Read();
        switch (reader.TokenType)
        {
            case JsonTokenType.Number when reader.TryGetDouble(out var d): return d;
            case JsonTokenType.String when double.TryParse(reader.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var s): return s;
            default:
                reader.Skip();
                return null;
        }
    }

    private static string? ReadLenient(ref Utf8JsonReader reader, ReadOnlySpan<byte> source)
    {
        reader.Read();
        return JsonValueText.Read(ref reader, source);
    }

    private static Dictionary<string, string>? ReadParameters(ref Utf8JsonReader reader, ReadOnlySpan<byte> source)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return null;
        }

        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            var value = ReadLenient(ref reader, source);
            if (value is not null)
            {
                parameters[name] = value;
            }
        }

        return parameters;
    }

    private static bool IsSingleKey(string? digit) =>
        digit is { Length: 1 } && (char.IsAsciiDigit(digit[0]) || digit[0] is '*' or '#' or 'A' or 'B' or 'C' or 'D');

    private struct Fields
    {
        public bool TypeSeen;
        public string? Type, VoicePrompt, Lang, Digit, Utterance, Description, Name, Value;
        public bool? Last;
        public double? DurationMs;
        public string? SessionId, AccountSid, ParentCallSid, CallSid, From, To, ForwardedFrom, CallType, CallerName, Direction, CallStatus;
        public Dictionary<string, string>? CustomParameters;
    }
}
