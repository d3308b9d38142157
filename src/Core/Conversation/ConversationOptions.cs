using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AgentOS.Voice.Conversation;

/// <summary>How a live conversation behaves. Bound from the "Conversation" section.</summary>
public sealed class ConversationOptions
{
    public const string SectionName = "Conversation";

    /// <summary>Turns kept and sent to the model besides the system prompt; older ones are dropped (they are already stored).</summary>
    [Range(2, 500)]
    public int MaxHistoryTurns { get; set; } = 24;

    /// <summary>Characters of history sent to the model per turn, newest first, so prompts stay small and fast.</summary>
    [Range(200, 200_000)]
    public int MaxHistoryCharacters { get; set; } = 6_000;

    /// <summary>
    /// Longest caller turn sent to the model, in characters; a longer one (a pasted text over the softphone, a runaway
    /// transcription) is cut for the model only, so one turn cannot blow the model's context or cost. The transcript
    /// stores it whole.
    /// </summary>
    [Range(100, 200_000)]
    public int MaxPromptCharacters { get; set; } = 4_000;

    /// <summary>Model calls per caller turn when tools keep asking for another round.</summary>
    [Range(1, 10)]
    public int MaxToolRounds { get; set; } = 3;

    /// <summary>
    /// How long the model may take to start answering a turn the caller has heard nothing of yet; past it the request
    /// is abandoned and the caller hears <see cref="ApologyText"/> (a hanging model would otherwise mean silence for
    /// the whole of Llm:RequestTimeout). A few seconds: first tokens normally come within one.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "00:01:00")]
    public TimeSpan FirstTokenTimeout { get; set; } = TimeSpan.FromSeconds(5);

    [Required]
    public string ApologyText { get; set; } = "Sorry, I'm having trouble right now. Could you say that again?";

    /// <summary>Said when the model answers with nothing, so a turn never ends in silence.</summary>
    [Required]
    public string FallbackText { get; set; } = "Sorry, could you say that again?";

    [Required]
    public string HandoffText { get; set; } = "Let me connect you with a person.";

    [Required]
    public string NoHandoffText { get; set; } = "Sorry, nobody is available to take your call right now.";

    [Required]
    public string GoodbyeText { get; set; } = "Goodbye!";

    /// <summary>Said while an agent tool is still running after <see cref="ToolFillerDelay"/>, so the caller is not left in silence.</summary>
    [Required]
    public string ToolFillerText { get; set; } = "One moment, please.";

    [Range(typeof(TimeSpan), "00:00:00.100", "00:00:10")]
    public TimeSpan ToolFillerDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// For agents with preemptive generation: how long a partial prompt must stay unchanged before the answer is
    /// started on it. Partials change every fraction of a second while the caller speaks, so this separates a pause
    /// from speech; keep it under the speech-to-text endpointing delay (about 500 ms) or nothing is won.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:02")]
    public TimeSpan PreemptiveStableDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>What the caller hears when an agent tool times out, fails or answers nonsense.</summary>
    [Required]
    public string ToolFailedText { get; set; } = "Sorry, I couldn't get that done just now. Please try again a little later.";
}

public static class ConversationServiceCollectionExtensions
{
    public static IServiceCollection AddConversation(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ConversationOptions>()
            .Bind(configuration.GetSection(ConversationOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        return services;
    }
}
