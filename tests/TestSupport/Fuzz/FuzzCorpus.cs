using System.Text;
using System.Text.Json.Nodes;

namespace AgentOS.Voice.TestSupport.Fuzz;

/// <summary>One generated input: what was done to the valid one, and the bytes or fields sent.</summary>
public sealed record FuzzCase(int Index, string Mutation, byte[] Body)
{
    /// <summary>The case as a failure message prints it: short enough to read, exact enough to replay by its index.</summary>
    public override string ToString()
    {
        var text = Encoding.UTF8.GetString(Body);
        var shown = text.Length > 300 ? text[..300] + $"… ({Body.Length} bytes)" : text;
        var escaped = new StringBuilder();
        foreach (var c in shown)
        {
            escaped.Append(c < 0x20 || c is '\u007f' or '\ufffd' or '\ufffe' ? $"\\u{(int)c:x4}" : c.ToString());
        }

        return $"case {Index} ({Mutation}): {escaped}";
    }
}

/// <summary>
/// Mutations of valid inputs (JSON documents and form fields) from one seeded <see cref="Random"/>, so a failing case
/// comes back on the next run. The seed is <see cref="DefaultSeed"/> unless <c>FUZZ_SEED</c> names another, for a
/// longer hunt on a developer's machine; a failure message carries the seed it ran with.
/// </summary>
public sealed class FuzzCorpus
{
    public const int DefaultSeed = 2126;

    private readonly Random _random;
    private int _next;

    public FuzzCorpus()
        : this(int.TryParse(Environment.GetEnvironmentVariable("FUZZ_SEED"), out var seed) ? seed : DefaultSeed)
    {
    }

    public FuzzCorpus(int seed)
    {
        Seed = seed;
        _random = new Random(seed);
    }

    public int Seed { get; }

    public Random Random => _random;

    /// <summary>Values a field should never break on: other JSON types, edges of size and text that XML, E.164 and tables choke on.</summary>
    public JsonNode? OddValue()
    {
        return _random.Next(16) switch
        {
            0 => null,
            1 => JsonValue.Create(_random.Next(2) == 0),
            2 => JsonValue.Create(_random.Next(int.MinValue, int.MaxValue)),
            3 => JsonValue.Create(_random.NextDouble() * 1e300),
            4 => new JsonArray(JsonValue.Create("a"), JsonValue.Create(1)),
            5 => new JsonObject { ["x"] = "y" },
            6 => JsonValue.Create(string.Empty),
            7 => JsonValue.Create(new string('x', _random.Next(1, 4) * 40_000)),
            _ => JsonValue.Create(OddText()),
        };
    }

    /// <summary>Text with a valid-looking core and a hostile edge: controls, XML-invalid code points, newlines after a number, markup, RTL, emoji.</summary>
    public string OddText()
    {
        string[] cores = ["+14155550123", "hello", "a1", "https://example.com/x", "2026-12-03T07:00:00Z", "Friday", "1", "en-US", "CA0123"];
        string[] edges =
        [
            "\u0000", "\u0001", "\u000b", "\u001f", "\ufffe", "\uffff", "\n", "\r\n", "\t", " ", "\u202e", "\ud83d\ude00",
            "<Hangup/>", "]]>", "&amp;", "\"", "'", "\\", "{", "%00", "%ZZ", "' OR 1=1 --", "${x}", "{{name}}", "\u00e9", "\u0301",
        ];
        var core = cores[_random.Next(cores.Length)];
        var edge = edges[_random.Next(edges.Length)];
        return _random.Next(4) switch
        {
            0 => edge,
            1 => core + edge,
            2 => edge + core,
            _ => core[..(core.Length / 2)] + edge + core[(core.Length / 2)..],
        };
    }

    /// <summary>
    /// One mutation of <paramref name="valid"/> (left unchanged): a field dropped, added, retyped or made odd; a whole
    /// document of another kind; truncated, nested past any depth limit, bytes that are not UTF-8, a key given twice.
    /// </summary>
    public FuzzCase Mutate(JsonObject valid)
    {
        var index = _next++;
        var doc = (JsonObject)valid.DeepClone();
        var keys = doc.Select(p => p.Key).ToList();
        var key = keys.Count > 0 ? keys[_random.Next(keys.Count)] : "type";
        var choice = _random.Next(100);
        switch (choice)
        {
            case < 30:
                doc[key] = OddValue();
                return Case(index, $"'{key}' odd", doc);
            case < 40:
                doc.Remove(key);
                return Case(index, $"'{key}' missing", doc);
            case < 45:
                doc["unexpected" + _random.Next(100)] = OddValue();
                return Case(index, "unknown field", doc);
            case < 55:
                foreach (var k in keys.Where(_ => _random.Next(2) == 0))
                {
                    doc[k] = OddValue();
                }

                return Case(index, "several fields odd", doc);
            case < 63:
            {
                var bytes = Bytes(doc);
                return new FuzzCase(index, "truncated", bytes[..(bytes.Length == 0 ? 0 : _random.Next(bytes.Length))]);
            }

            case < 70:
            {
                var bytes = Bytes(doc).ToList();
                byte[][] invalid = [[0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xc0, 0xaf]];
                bytes.InsertRange(_random.Next(bytes.Count + 1), invalid[_random.Next(invalid.Length)]);
                return new FuzzCase(index, "not UTF-8", [.. bytes]);
            }

            case < 75:
            {
                var depth = _random.Next(2) == 0 ? 70 : 5_000;
                var nested = string.Concat(Enumerable.Repeat("[", depth)) + string.Concat(Enumerable.Repeat("]", depth));
                var text = Encoding.UTF8.GetString(Bytes(doc));
                return new FuzzCase(index, $"'{key}' nested {depth} deep", Encoding.UTF8.GetBytes(text.Replace($"\"{key}\":", $"\"{key}\":{nested},\"{key}x\":", StringComparison.Ordinal)));
            }

            case < 80:
            {
                var text = Encoding.UTF8.GetString(Bytes(doc));
                var twice = text.Length > 1 ? "{" + $"\"{key}\":{OddValue()?.ToJsonString() ?? "null"}," + text[1..] : text;
                return new FuzzCase(index, $"'{key}' twice", Encoding.UTF8.GetBytes(twice));
            }

            case < 88:
            {
                string[] wholes = ["", "{\"type\":\"\\ud800\"}", "null", "[]", "{}", "\"text\"", "0", "true", "{", "}", "[{}]", "{\"\":1}", "\u0000", "{\"a\":1}{\"b\":2}", "  ", "\ufeff{}"];
                var whole = wholes[_random.Next(wholes.Length)];
                return new FuzzCase(index, "another document", Encoding.UTF8.GetBytes(whole));
            }

            default:
                // Valid JSON whose string values carry odd text: the shape a schema check passes.
                foreach (var k in keys.Where(k => doc[k] is JsonValue v && v.TryGetValue<string>(out _)))
                {
                    if (_random.Next(2) == 0)
                    {
                        doc[k] = OddText();
                    }
                }

                return Case(index, "odd text in string fields", doc);
        }
    }

    /// <summary>Form fields with some values made odd, some dropped and some added; the keys keep their case as Twilio sends them.</summary>
    public (int Index, string Mutation, Dictionary<string, string> Form) MutateForm(IReadOnlyDictionary<string, string> valid)
    {
        var index = _next++;
        var form = new Dictionary<string, string>(valid);
        var keys = form.Keys.ToList();
        var key = keys[_random.Next(keys.Count)];
        switch (_random.Next(10))
        {
            case < 5:
                form[key] = FormText();
                return (index, $"'{key}' odd", form);
            case < 7:
                form.Remove(key);
                return (index, $"'{key}' missing", form);
            case 7:
                form["Unexpected" + _random.Next(100)] = FormText();
                return (index, "unknown field", form);
            default:
                foreach (var k in keys.Where(_ => _random.Next(3) == 0))
                {
                    form[k] = FormText();
                }

                return (index, "several fields odd", form);
        }
    }

    // A form value is a string: the odd JSON kinds become their text, and a huge value stays within a form's limits.
    private string FormText() => _random.Next(8) switch
    {
        0 => string.Empty,
        1 => new string('9', _random.Next(1, 5) * 1_000),
        2 => _random.Next(int.MinValue, int.MaxValue).ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => OddText(),
    };

    private static FuzzCase Case(int index, string mutation, JsonObject doc) => new(index, mutation, Bytes(doc));

    private static byte[] Bytes(JsonNode doc) =>
        Encoding.UTF8.GetBytes(doc.ToJsonString(new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
}
