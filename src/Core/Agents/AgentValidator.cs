using System.Text.RegularExpressions;
using AgentOS.Voice.Llm;
using AgentOS.Voice.Twilio;
using AgentOS.Voice.Twilio.Twiml;
using AgentOS.Voice.Webhooks;

namespace AgentOS.Voice.Agents;

/// <summary>
/// Checks an agent record and reports every problem at once, keyed by the field's JSON path (camelCase, as the API
/// shows it: <c>llm.provider</c>, <c>dtmfMenu.5.text</c>, <c>script[2].tool</c>), so a caller fixes all in one round.
/// Written to cope with fields that deserialized as null even where the type says otherwise.
/// </summary>
public static partial class AgentValidator
{
    public const int MaxNameLength = 100;
    public const int MaxGreetingLength = 1000;
    public const int MaxSystemPromptLength = 8000;
    public const int MaxSpokenTextLength = 1000;
    public const int MaxScriptSteps = 100;

    public static readonly IReadOnlySet<string> TtsProviders = new HashSet<string>(StringComparer.Ordinal) { "ElevenLabs", "Google", "Amazon" };
    public static readonly IReadOnlySet<string> TranscriptionProviders = new HashSet<string>(StringComparer.Ordinal) { "Deepgram", "Google" };

    public const string HandoffTool = "handoff";
    public const string EndCallTool = "end_call";
    public const string SwitchLanguageToolPrefix = "switch_language:";

    [GeneratedRegex(@"^[a-z0-9][a-z0-9-]{1,62}\z")]
    private static partial Regex Slug();

    // BCP-47 shape: a 2–3 letter language, then subtags of 2–8 letters or digits (en-US, pt-BR, zh-Hant-TW, es-419).
    [GeneratedRegex(@"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*\z")]
    private static partial Regex LanguageTag();

    [GeneratedRegex(@"^[0-9*#]\z")]
    private static partial Regex DtmfKey();

    /// <summary>Problems by field; empty when the agent is valid.</summary>
    /// <param name="endpoints">Where tools and webhooks may point; null means production rules (public HTTPS only).</param>
    /// <param name="configuredLlmProviders">
    /// The LLM providers this deployment can serve (<see cref="LlmOptions.ConfiguredProviders"/>); an agent on another
    /// one is refused naming the setting it lacks. Null checks only that the provider is a known one.
    /// </param>
    public static IReadOnlyDictionary<string, string[]> Validate(
        Agent agent, AgentEndpointOptions? endpoints = null, IReadOnlySet<string>? configuredLlmProviders = null)
    {
        ArgumentNullException.ThrowIfNull(agent);
        var errors = new Errors();

        if (agent.Id is null || !Slug().IsMatch(agent.Id))
        {
            errors.Add("id", "Id must be 2–63 lowercase letters, digits or hyphens, starting with a letter or digit.");
        }

        if (string.IsNullOrWhiteSpace(agent.Name) || agent.Name.Length > MaxNameLength)
        {
            errors.Add("name", $"Name is required and must be at most {MaxNameLength} characters.");
        }

        if (!PhoneNumbers.IsE164(agent.PhoneNumber))
        {
            errors.Add("phoneNumber", "PhoneNumber must be in E.164 form, e.g. +14155550100.");
        }

        if (agent.TransferNumber is not null && !PhoneNumbers.IsE164(agent.TransferNumber))
        {
            errors.Add("transferNumber", "TransferNumber must be in E.164 form, e.g. +14155550100, or absent.");
        }

        if (string.IsNullOrWhiteSpace(agent.Voice) || agent.Voice.Length > 100)
        {
            errors.Add("voice", "Voice is required and must be at most 100 characters.");
        }

        CheckLanguage(errors, "language", agent.Language);
        CheckProviders(errors, "", agent.TtsProvider, agent.TranscriptionProvider, required: true);
        CheckOtherLanguages(errors, agent);

        if (agent.Greeting is null || agent.Greeting.Length > MaxGreetingLength)
        {
            errors.Add("greeting", $"Greeting must be at most {MaxGreetingLength} characters.");
        }

        if (agent.SystemPrompt is null || agent.SystemPrompt.Length > MaxSystemPromptLength)
        {
            errors.Add("systemPrompt", $"SystemPrompt must be at most {MaxSystemPromptLength} characters.");
        }

        CheckLlm(errors, agent.Llm, configuredLlmProviders);
        CheckDtmfMenu(errors, agent);
        CheckScript(errors, agent);
        CheckEndpoints(errors, agent, endpoints ?? new AgentEndpointOptions());
        CheckXmlText(errors, agent);

        if (!Enum.IsDefined(agent.Recording))
        {
            errors.Add("recording", $"Recording must be one of {string.Join(", ", Enum.GetNames<RecordingPolicy>())}.");
        }

        return errors.ToDictionary();
    }

    private static void CheckLanguage(Errors errors, string field, string? code)
    {
        if (code is null || !LanguageTag().IsMatch(code))
        {
            errors.Add(field, "Language must be a BCP-47 tag such as en-US.");
        }
    }

    private static void CheckProviders(Errors errors, string prefix, string? tts, string? transcription, bool required)
    {
        if ((tts is not null || required) && (tts is null || !TtsProviders.Contains(tts)))
        {
            errors.Add(prefix + "ttsProvider", $"TtsProvider must be one of {string.Join(", ", TtsProviders)}.");
        }

        if ((transcription is not null || required) && (transcription is null || !TranscriptionProviders.Contains(transcription)))
        {
            errors.Add(prefix + "transcriptionProvider", $"TranscriptionProvider must be one of {string.Join(", ", TranscriptionProviders)}.");
        }
    }

    private static void CheckOtherLanguages(Errors errors, Agent agent)
    {
        if (agent.OtherLanguages is null)
        {
            errors.Add("otherLanguages", "OtherLanguages must be a list (empty when there are none).");
            return;
        }

        for (var i = 0; i < agent.OtherLanguages.Count; i++)
        {
            var prefix = $"otherLanguages[{i}].";
            if (agent.OtherLanguages[i] is not { } language)
            {
                errors.Add($"otherLanguages[{i}]", "A language entry cannot be null.");
                continue;
            }

            CheckLanguage(errors, prefix + "code", language.Code);
            if (language.Voice is { Length: 0 or > 100 })
            {
                errors.Add(prefix + "voice", "Voice must be 1–100 characters, or absent to use the agent's voice.");
            }

            CheckProviders(errors, prefix, language.TtsProvider, language.TranscriptionProvider, required: false);
        }
    }

    private static void CheckLlm(Errors errors, LlmSettings? llm, IReadOnlySet<string>? configuredLlmProviders)
    {
        if (llm is null)
        {
            errors.Add("llm", "Llm settings are required.");
            return;
        }

        if (llm.Provider is null || !LlmProviders.All.Contains(llm.Provider))
        {
            errors.Add("llm.provider", $"Llm.Provider must be one of {string.Join(", ", LlmProviders.All)}.");
        }
        else if (configuredLlmProviders is not null && !configuredLlmProviders.Contains(llm.Provider))
        {
            errors.Add("llm.provider", $"LLM provider '{llm.Provider}' is not configured here: set {LlmOptions.SettingFor(llm.Provider)}.");
        }

        if (string.IsNullOrWhiteSpace(llm.Model))
        {
            errors.Add("llm.model", "Llm.Model is required.");
        }

        if (llm.Temperature is < 0 or > 2)
        {
            errors.Add("llm.temperature", "Llm.Temperature must be between 0 and 2.");
        }

        if (llm.MaxOutputTokens is < 1 or > 4096)
        {
            errors.Add("llm.maxOutputTokens", "Llm.MaxOutputTokens must be between 1 and 4096.");
        }
    }

    private static void CheckDtmfMenu(Errors errors, Agent agent)
    {
        if (agent.DtmfMenu is null)
        {
            errors.Add("dtmfMenu", "DtmfMenu must be an object (empty when there is no menu).");
            return;
        }

        foreach (var (key, action) in agent.DtmfMenu)
        {
            var field = $"dtmfMenu.{key}";
            if (!DtmfKey().IsMatch(key))
            {
                errors.Add(field, "Menu keys must be a single 0-9, * or #.");
            }

            if (action is null)
            {
                errors.Add(field, "A menu entry needs an action.");
                continue;
            }

            switch (action.Kind)
            {
                case DtmfActionKind.Say when string.IsNullOrWhiteSpace(action.Text) || action.Text.Length > MaxSpokenTextLength:
                    errors.Add(field + ".text", $"A Say action needs text of at most {MaxSpokenTextLength} characters.");
                    break;
                case DtmfActionKind.End when action.Text is not null && (action.Text.Trim().Length == 0 || action.Text.Length > MaxSpokenTextLength):
                    errors.Add(field + ".text", $"An End action's text is optional but, when given, must be 1–{MaxSpokenTextLength} characters.");
                    break;
                case DtmfActionKind.Handoff when string.IsNullOrEmpty(agent.TransferNumber):
                    errors.Add(field + ".kind", "A Handoff action needs the agent's transferNumber.");
                    break;
                case DtmfActionKind.Handoff when action.Text is not null:
                    errors.Add(field + ".text", "A Handoff action takes no text.");
                    break;
                case not (DtmfActionKind.Say or DtmfActionKind.End or DtmfActionKind.Handoff):
                    errors.Add(field + ".kind", "Kind must be Handoff, Say or End.");
                    break;
            }
        }
    }

    private static void CheckScript(Errors errors, Agent agent)
    {
        if (agent.Script is null)
        {
            errors.Add("script", "Script must be a list (empty when there is none).");
            return;
        }

        if (agent.Script.Count > MaxScriptSteps)
        {
            errors.Add("script", $"Script can have at most {MaxScriptSteps} steps.");
        }

        var languages = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { agent.Language ?? string.Empty };
        foreach (var other in agent.OtherLanguages ?? [])
        {
            languages.Add(other?.Code ?? string.Empty);
        }

        for (var i = 0; i < agent.Script.Count; i++)
        {
            if (agent.Script[i] is not { } step)
            {
                errors.Add($"script[{i}]", "A script step cannot be null.");
                continue;
            }

            if (string.IsNullOrWhiteSpace(step.Reply) || step.Reply.Length > MaxSpokenTextLength)
            {
                errors.Add($"script[{i}].reply", $"Reply is required and must be at most {MaxSpokenTextLength} characters.");
            }

            if (step.WhenCallerSays is { Length: > 200 })
            {
                errors.Add($"script[{i}].whenCallerSays", "WhenCallerSays must be at most 200 characters.");
            }

            if (step.Tool is not null && ToolProblem(step.Tool, agent, languages) is { } problem)
            {
                errors.Add($"script[{i}].tool", problem);
            }
        }
    }

    // Every text that reaches TwiML, the model or the API's answers: one control character would otherwise be stored
    // and make every later call to the agent fail while its TwiML is written.
    private static void CheckXmlText(Errors errors, Agent agent)
    {
        IEnumerable<(string Field, string? Text)> texts =
        [
            ("name", agent.Name), ("voice", agent.Voice), ("greeting", agent.Greeting), ("systemPrompt", agent.SystemPrompt),
            ("llm.model", agent.Llm?.Model),
            .. (agent.OtherLanguages ?? []).Select((l, i) => ($"otherLanguages[{i}].voice", l?.Voice)),
            .. (agent.DtmfMenu ?? new Dictionary<string, DtmfAction>()).Select(e => ($"dtmfMenu.{e.Key}.text", e.Value?.Text)),
            .. (agent.Script ?? []).SelectMany((step, i) => new[] { ($"script[{i}].whenCallerSays", step?.WhenCallerSays), ($"script[{i}].reply", step?.Reply) }),
            .. (agent.Tools ?? []).Select((tool, i) => ($"tools[{i}].description", tool?.Description)),
        ];
        foreach (var (field, text) in texts)
        {
            if (XmlText.Problem(text) is { } problem)
            {
                errors.Add(field, problem);
            }
        }
    }

    private static string? ToolProblem(string tool, Agent agent, HashSet<string> languages)
    {
        if (tool == HandoffTool)
        {
            return string.IsNullOrEmpty(agent.TransferNumber) ? "The handoff tool needs the agent's transferNumber." : null;
        }

        if (tool == EndCallTool)
        {
            return null;
        }

        if (tool.StartsWith(SwitchLanguageToolPrefix, StringComparison.Ordinal))
        {
            var code = tool[SwitchLanguageToolPrefix.Length..];
            return languages.Contains(code) ? null : $"switch_language needs one of the agent's languages ({string.Join(", ", languages)}).";
        }

        if (agent.Tools?.Any(t => t?.Name == tool) == true)
        {
            return null;
        }

        return $"Tool must be {HandoffTool}, {EndCallTool}, {SwitchLanguageToolPrefix}<language> or the name of one of the agent's tools.";
    }

    private sealed class Errors
    {
        private readonly Dictionary<string, List<string>> _byField = new(StringComparer.Ordinal);

        public void Add(string field, string message)
        {
            if (!_byField.TryGetValue(field, out var messages))
            {
                _byField[field] = messages = [];
            }

            messages.Add(message);
        }

        public IReadOnlyDictionary<string, string[]> ToDictionary() => _byField.ToDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal);
    }
}
