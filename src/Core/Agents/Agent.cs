using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentOS.Voice.Agents;

/// <summary>
/// An agent as its owner configures it. Agents are data: read on every call, so one created at run time works at once.
/// </summary>
public sealed record Agent
{
    public required string Id { get; init; }
    public required string Name { get; init; }

    /// <summary>The agent's own number in E.164 (+14155550100): inbound calls to it reach this agent, outbound calls come from it.</summary>
    public required string PhoneNumber { get; init; }

    /// <summary>The TTS voice: an ElevenLabs voice id for messages and ConversationRelay; espeak-ng voice names offline.</summary>
    public string Voice { get; init; } = AgentDefaults.Voice;

    /// <summary>BCP-47 language of speech and transcription.</summary>
    public string Language { get; init; } = "en-US";

    /// <summary>Other languages the agent may switch to mid-call, each mapped to its own voice.</summary>
    public IReadOnlyList<AgentLanguage> OtherLanguages { get; init; } = [];

    /// <summary>Spoken when a live call connects. May contain {placeholders} filled from an outbound call's context.</summary>
    public string Greeting { get; init; } = "Hello! How can I help you today?";

    public string SystemPrompt { get; init; } = "You are a helpful, concise voice assistant. Answer in one or two short sentences.";

    public LlmSettings Llm { get; init; } = new();

    /// <summary>E.164 number a caller is transferred to on hand-off; none means hand-off is declined politely.</summary>
    public string? TransferNumber { get; init; }

    /// <summary>Key pressed on a live call → what happens. Keys not listed are given to the model as caller input.</summary>
    public IReadOnlyDictionary<string, DtmfAction> DtmfMenu { get; init; } = new Dictionary<string, DtmfAction>();

    public RecordingPolicy Recording { get; init; } = RecordingPolicy.OnRequest;

    /// <summary>A disabled agent's number answers with an apology and hangs up.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>ConversationRelay speech-to-text provider (Deepgram or Google).</summary>
    public string TranscriptionProvider { get; init; } = "Deepgram";

    /// <summary>ConversationRelay text-to-speech provider (ElevenLabs, Google or Amazon).</summary>
    public string TtsProvider { get; init; } = "ElevenLabs";

    /// <summary>Replies for the scripted offline model (provider "scripted"); ignored by real models.</summary>
    public IReadOnlyList<ScriptStep> Script { get; init; } = [];

    /// <summary>HTTP tools the model may call mid-call; each is POSTed its arguments, signed (see docs/agents.md).</summary>
    public IReadOnlyList<AgentTool> Tools { get; init; } = [];

    /// <summary>
    /// JSON Schema (type object) of the structured fields a model fills from the transcript after each call or
    /// message; null means an outcome carries a summary only.
    /// </summary>
    public JsonElement? OutcomeSchema { get; init; }

    /// <summary>HTTPS URL each outcome is POSTed to, signed per Standard Webhooks; null means the queue only.</summary>
    public string? OutcomeWebhookUrl { get; init; }

    /// <summary>
    /// Start the answer on the caller's unfinished words (ConversationRelay partial prompts) and hold it until the
    /// final words match; off by default: a mismatch costs a cancelled model request.
    /// </summary>
    public bool PreemptiveGeneration { get; init; }

    /// <summary>
    /// The per-agent Standard Webhooks signing secret (<c>whsec_…</c>) for tool calls and outcome webhooks. Made by
    /// the server, never read from or written to the API's agent JSON: it is shown once, when created or rotated.
    /// </summary>
    [JsonIgnore]
    public string? WebhookSecret { get; init; }

    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>
/// An HTTP tool of the agent's own systems: the model calls it by <see cref="Name"/> with arguments matching
/// <see cref="Parameters"/> (a JSON Schema object); RelayHost POSTs them to <see cref="Url"/> and gives the answer back.
/// </summary>
public sealed record AgentTool
{
    public required string Name { get; init; }
    public required string Description { get; init; }

    /// <summary>JSON Schema of the arguments, type object.</summary>
    public required JsonElement Parameters { get; init; }

    public required string Url { get; init; }

    /// <summary>How long the call waits for the answer, 1–10 s; past it the caller hears a graceful sentence.</summary>
    public int TimeoutSeconds { get; init; } = 5;
}

public sealed record AgentLanguage(string Code, string? Voice = null, string? TtsProvider = null, string? TranscriptionProvider = null);

/// <summary>Which model answers for the agent. Provider: scripted, openai, azure-openai or anthropic.</summary>
public sealed record LlmSettings
{
    public string Provider { get; init; } = LlmProviders.Scripted;
    public string Model { get; init; } = "scripted";
    public float? Temperature { get; init; }
    public int MaxOutputTokens { get; init; } = 300;
}

public static class LlmProviders
{
    public const string Scripted = "scripted";
    public const string OpenAI = "openai";
    public const string AzureOpenAI = "azure-openai";
    public const string Anthropic = "anthropic";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal) { Scripted, OpenAI, AzureOpenAI, Anthropic };
}

/// <summary>What a key does: hand off to a human, say a text, or end the call (optionally after saying a text).</summary>
public sealed record DtmfAction(DtmfActionKind Kind, string? Text = null);

public enum DtmfActionKind
{
    Handoff,
    Say,
    End,
}

public enum RecordingPolicy
{
    /// <summary>Never record, even when a message asks.</summary>
    Never,

    /// <summary>Record a message's answer when the message asks for it.</summary>
    OnRequest,

    /// <summary>Always record answers to messages.</summary>
    Always,
}

/// <summary>
/// One rule of the scripted model: when the caller's words contain <see cref="WhenCallerSays"/> (case-insensitive;
/// null matches anything), reply with <see cref="Reply"/> and optionally run a tool (handoff, end_call, switch_language:xx-XX).
/// </summary>
public sealed record ScriptStep(string? WhenCallerSays, string Reply, string? Tool = null);

public static class AgentDefaults
{
    /// <summary>ConversationRelay's documented default ElevenLabs voice.</summary>
    public const string Voice = "UgBBYS2sOqTuMpoF3BR0";
}
