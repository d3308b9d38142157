namespace AgentOS.Voice.Llm;

/// <summary>
/// The names of the call-control tools a model may call, and of their single string argument. The scripted model
/// emits exactly these, so the session's AIFunctions should carry the same names.
/// </summary>
public static class LlmToolNames
{
    /// <summary>Transfer the caller to a person. Argument <see cref="ReasonArgument"/>.</summary>
    public const string Handoff = "handoff";

    /// <summary>Hang up. Argument <see cref="GoodbyeArgument"/>.</summary>
    public const string EndCall = "end_call";

    /// <summary>Continue in another language. Argument <see cref="LanguageArgument"/> (BCP-47, e.g. es-ES).</summary>
    public const string SwitchLanguage = "switch_language";

    public const string ReasonArgument = "reason";
    public const string GoodbyeArgument = "goodbye";
    public const string LanguageArgument = "language";
}
