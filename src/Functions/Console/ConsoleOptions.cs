using System.ComponentModel.DataAnnotations;

namespace AgentOS.Voice.Functions.Console;

/// <summary>"Console" configuration: what the operations console needs to know beyond the API.</summary>
public sealed class ConsoleOptions : IValidatableObject
{
    public const string SectionName = "Console";

    /// <summary>
    /// The phone simulator's softphone socket (ws://…/sim/softphone), set by <c>./dev run</c> only: the console shows its
    /// softphone when this is set. Empty in Azure, where there is no simulator.
    /// </summary>
    public string? SoftphoneUrl { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrEmpty(SoftphoneUrl)
            && !(Uri.TryCreate(SoftphoneUrl, UriKind.Absolute, out var uri) && uri.Scheme is "ws" or "wss"))
        {
            yield return new ValidationResult($"Console:SoftphoneUrl must be an absolute ws:// or wss:// URL, not '{SoftphoneUrl}'.", [nameof(SoftphoneUrl)]);
        }
    }
}
