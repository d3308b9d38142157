using System.Xml.Linq;

namespace AgentOS.Voice.Core.Tests.Twilio;

/// <summary>
/// Compares two XML documents as parsed trees: element names and order, attributes as unordered maps, text content.
/// Twilio's library and ours escape differently (e.g. '>' and apostrophes), so bytes are the wrong thing to compare.
/// </summary>
internal static class XmlEquivalence
{
    public static void AssertEquivalent(string expected, string actual)
    {
        var difference = FirstDifference(XDocument.Parse(expected).Root!, XDocument.Parse(actual).Root!, "/");
        Assert.True(difference is null, $"{difference}\nexpected: {expected}\nactual:   {actual}");
    }

    public static string? FirstDifference(XElement expected, XElement actual, string path)
    {
        var here = path + expected.Name.LocalName;
        if (expected.Name != actual.Name)
        {
            return $"{here}: element is <{actual.Name}>";
        }

        var expectedAttributes = expected.Attributes().ToDictionary(a => a.Name.ToString(), a => a.Value);
        var actualAttributes = actual.Attributes().ToDictionary(a => a.Name.ToString(), a => a.Value);
        foreach (var (name, value) in expectedAttributes)
        {
            if (!actualAttributes.TryGetValue(name, out var other))
            {
                return $"{here}: attribute {name} missing";
            }

            if (other != value)
            {
                return $"{here}: attribute {name} is '{other}', expected '{value}'";
            }
        }

        var extra = actualAttributes.Keys.Except(expectedAttributes.Keys).ToArray();
        if (extra.Length > 0)
        {
            return $"{here}: unexpected attributes {string.Join(", ", extra)}";
        }

        var expectedText = string.Concat(expected.Nodes().OfType<XText>().Select(t => t.Value));
        var actualText = string.Concat(actual.Nodes().OfType<XText>().Select(t => t.Value));
        if (expectedText != actualText)
        {
            return $"{here}: text is '{actualText}', expected '{expectedText}'";
        }

        var expectedChildren = expected.Elements().ToArray();
        var actualChildren = actual.Elements().ToArray();
        if (expectedChildren.Length != actualChildren.Length)
        {
            return $"{here}: {actualChildren.Length} child elements, expected {expectedChildren.Length}";
        }

        return expectedChildren.Zip(actualChildren)
            .Select(pair => FirstDifference(pair.First, pair.Second, here + "/"))
            .FirstOrDefault(d => d is not null);
    }
}
