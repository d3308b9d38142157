using System.Globalization;
using System.Text.Json;

namespace AgentOS.Voice.Infra.Tests;

/// <summary>
/// Evaluates the arithmetic part of ARM template expressions ("[div(mul(parameters('a'), 60), 100)]") against given
/// parameter values and a template's variables, so a test can check what a compiled template would deploy for a
/// parameter without Azure. Only the functions the capacity wiring uses are known; any other one fails the test loudly.
/// </summary>
internal sealed class ArmExpression
{
    private readonly IReadOnlyDictionary<string, object> _parameters;
    private readonly JsonElement _variables;
    private string _text = "";
    private int _at;

    public ArmExpression(JsonElement template, IReadOnlyDictionary<string, object> given)
    {
        var parameters = new Dictionary<string, object>(StringComparer.OrdinalIgnoreCase);
        foreach (var p in template.GetProperty("parameters").EnumerateObject())
        {
            if (given.TryGetValue(p.Name, out var value))
            {
                parameters[p.Name] = value;
            }
            else if (p.Value.TryGetProperty("defaultValue", out var d))
            {
                parameters[p.Name] = FromJson(d);
            }
        }

        _parameters = parameters;
        _variables = template.TryGetProperty("variables", out var v) ? v : default;
    }

    /// <summary>A JSON value from the template: an expression string is evaluated, anything else taken as it is.</summary>
    public object Evaluate(JsonElement value) =>
        value.ValueKind == JsonValueKind.String && value.GetString() is ['[', .., ']'] text && !text.StartsWith("[[", StringComparison.Ordinal)
            ? Evaluate(text[1..^1])
            : FromJson(value);

    private object Evaluate(string expression)
    {
        var (text, at) = (_text, _at);
        (_text, _at) = (expression, 0);
        try
        {
            var result = ParseExpression();
            SkipSpace();
            if (_at != _text.Length)
            {
                throw new NotSupportedException($"Unparsed rest of '{_text}' at {_at}.");
            }

            return result;
        }
        finally
        {
            (_text, _at) = (text, at);
        }
    }

    private object ParseExpression()
    {
        SkipSpace();
        var c = _text[_at];
        if (c == '\'')
        {
            var end = _text.IndexOf('\'', _at + 1);
            var literal = _text[(_at + 1)..end];
            _at = end + 1;
            return literal;
        }

        if (char.IsDigit(c) || c == '-')
        {
            var start = _at++;
            while (_at < _text.Length && char.IsDigit(_text[_at]))
            {
                _at++;
            }

            return long.Parse(_text[start.._at], CultureInfo.InvariantCulture);
        }

        var nameStart = _at;
        while (char.IsLetterOrDigit(_text[_at]) || _text[_at] == '_' || _text[_at] == '.')
        {
            _at++;
        }

        var name = _text[nameStart.._at];
        Expect('(');
        var args = new List<object>();
        SkipSpace();
        while (_text[_at] != ')')
        {
            args.Add(ParseExpression());
            SkipSpace();
            if (_text[_at] == ',')
            {
                _at++;
            }
        }

        _at++;
        return Call(name, args);
    }

    private object Call(string name, List<object> a) => name.ToLowerInvariant() switch
    {
        "parameters" => _parameters[(string)a[0]],
        "variables" => Evaluate(_variables.GetProperty((string)a[0])),
        "string" => Convert.ToString(a[0], CultureInfo.InvariantCulture)!,
        "int" => Convert.ToInt64(a[0], CultureInfo.InvariantCulture),
        "add" => (long)a[0] + (long)a[1],
        "sub" => (long)a[0] - (long)a[1],
        "mul" => (long)a[0] * (long)a[1],
        "div" => (long)a[0] / (long)a[1],
        "mod" => (long)a[0] % (long)a[1],
        "padleft" => ((string)a[0]).PadLeft((int)(long)a[1], ((string)a[2])[0]),
        "format" => string.Format(CultureInfo.InvariantCulture, (string)a[0], a.Skip(1).ToArray()),
        _ => throw new NotSupportedException($"ARM function '{name}' is not known to this evaluator."),
    };

    private void Expect(char c)
    {
        SkipSpace();
        if (_text[_at] != c)
        {
            throw new NotSupportedException($"Expected '{c}' in '{_text}' at {_at}.");
        }

        _at++;
    }

    private void SkipSpace()
    {
        while (_at < _text.Length && _text[_at] == ' ')
        {
            _at++;
        }
    }

    private static object FromJson(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Number => e.GetInt64(),
        JsonValueKind.String => e.GetString()!,
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => e,
    };
}
