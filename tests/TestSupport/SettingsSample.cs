using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text.Json;

namespace AgentOS.Voice.TestSupport;

/// <summary>
/// Every setting an options class reads (a class with a <c>SectionName</c> constant, its public settable properties,
/// nested option objects included) as the environment-style keys local.settings.sample.json uses, with its default.
/// The sample is where an operator learns what can be set, so a setting missing there is a setting nobody finds.
/// </summary>
public static class SettingsSample
{
    public static IReadOnlyDictionary<string, string> Keys() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "local.settings.sample.json")))
            .RootElement.GetProperty("Values").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "");

    /// <summary>Settings of the options classes in <paramref name="assembly"/> that the sample lacks, each with its default.</summary>
    public static IReadOnlyList<string> Missing(Assembly assembly)
    {
        var sample = Keys();
        var missing = new List<string>();
        foreach (var type in assembly.GetTypes())
        {
            if (type.GetField("SectionName", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true } field &&
                type.GetConstructor(Type.EmptyTypes) is not null)
            {
                Walk(((string)field.GetValue(null)!).Replace(":", "__"), Activator.CreateInstance(type)!, sample, missing);
            }
        }

        return missing;
    }

    private static void Walk(string prefix, object options, IReadOnlyDictionary<string, string> sample, List<string> missing)
    {
        foreach (var property in options.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.SetMethod is not { IsPublic: true } || property.GetIndexParameters().Length > 0)
            {
                continue;
            }

            var key = prefix + "__" + property.Name;
            var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            var value = property.GetValue(options);
            if (type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(TimeSpan))
            {
                if (!sample.ContainsKey(key))
                {
                    missing.Add($"\"{key}\": \"{Format(value)}\"");
                }
            }
            else if (typeof(IEnumerable).IsAssignableFrom(type))
            {
                // A list or map: one entry (key__0 or key__name) shows how it is written.
                if (!sample.Keys.Any(k => k.StartsWith(key + "__", StringComparison.Ordinal)))
                {
                    missing.Add($"\"{key}__…\"");
                }
            }
            else if (value is not null && type.IsClass)
            {
                Walk(key, value, sample, missing);
            }
        }
    }

    private static string Format(object? value) => value switch
    {
        null => "",
        TimeSpan t => t.ToString("c", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
