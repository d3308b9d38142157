using System.Text.Json;
using AgentOS.Voice.Twilio;
using AgentOS.Voice.Twilio.Twiml;

namespace AgentOS.Voice.Calls;

/// <summary>
/// A checked <c>POST /api/agents/{agentId}/calls</c> body <c>{"to": "+1…", "context": {…}}</c>: only
/// <see cref="ReadAsync"/> makes one, so a request that exists is valid.
/// </summary>
public sealed record OutboundCallRequest
{
    private OutboundCallRequest(string to, IReadOnlyDictionary<string, string> context)
    {
        To = to;
        Context = context;
    }

    /// <summary>The number to call, E.164.</summary>
    public string To { get; }

    /// <summary>Stored server-side under the call id; fills the agent's greeting and prompt.</summary>
    public IReadOnlyDictionary<string, string> Context { get; }

    /// <summary>The request, or every problem with the body at once (keyed by member, "context.name" for an entry).</summary>
    public static async Task<(OutboundCallRequest? Request, Dictionary<string, string[]> Errors)> ReadAsync(
        Stream json, LiveCallOptions options, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(json, new JsonDocumentOptions { AllowDuplicateProperties = false }, cancellationToken);
        }
        catch (JsonException e)
        {
            errors["$"] = [$"The body must be JSON: {e.Message}"];
            return (null, errors);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                errors["$"] = ["The body must be a JSON object {\"to\": \"+1…\", \"context\": {…}}."];
                return (null, errors);
            }

            foreach (var property in root.EnumerateObject().Where(p => p.Name is not ("to" or "context")))
            {
                errors[property.Name] = ["Unknown member; the body has only \"to\" and \"context\"."];
            }

            var to = root.TryGetProperty("to", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : null;
            if (!PhoneNumbers.IsE164(to))
            {
                errors["to"] = ["to is required: the number to call in E.164 form, e.g. +14155550100."];
            }

            var context = new Dictionary<string, string>(StringComparer.Ordinal);
            if (root.TryGetProperty("context", out var c) && c.ValueKind != JsonValueKind.Null)
            {
                if (c.ValueKind != JsonValueKind.Object)
                {
                    errors["context"] = ["context must be an object of string values, e.g. {\"name\": \"Ada\"}."];
                }
                else
                {
                    ReadContext(c, options, context, errors);
                }
            }

            return errors.Count > 0 ? (null, errors) : (new OutboundCallRequest(to!, context), errors);
        }
    }

    private static void ReadContext(JsonElement json, LiveCallOptions options, Dictionary<string, string> context, Dictionary<string, string[]> errors)
    {
        foreach (var entry in json.EnumerateObject())
        {
            var key = "context." + entry.Name;
            if (string.IsNullOrWhiteSpace(entry.Name) || entry.Name.Length > 100 || entry.Name.IndexOfAny(['{', '}']) >= 0)
            {
                errors[key] = ["Context names are 1–100 characters without braces."];
            }
            else if (entry.Value.ValueKind != JsonValueKind.String)
            {
                errors[key] = ["Context values must be strings."];
            }
            else if (entry.Value.GetString()!.Length > options.MaxContextValueLength)
            {
                errors[key] = [$"Context values are at most {options.MaxContextValueLength} characters."];
            }
            else if ((XmlText.Problem(entry.Name) ?? XmlText.Problem(entry.Value.GetString())) is { } problem)
            {
                // Context fills the greeting in the call's TwiML.
                errors[key] = [problem];
            }
            else
            {
                context[entry.Name] = entry.Value.GetString()!;
            }
        }

        if (context.Count > options.MaxContextEntries)
        {
            errors["context"] = [$"context has at most {options.MaxContextEntries} entries."];
        }
    }
}
