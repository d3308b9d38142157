using System.ComponentModel.DataAnnotations;

namespace AgentOS.Voice.Functions.ManagementApi;

/// <summary>Keys that open the management API (section "ManagementApi"). Several may be valid at once so keys can rotate.</summary>
public sealed class ManagementApiOptions
{
    public const string SectionName = "ManagementApi";

    public const int MinKeyLength = 16;

    [MinLength(1, ErrorMessage = "ManagementApi:ApiKeys needs at least one key.")]
    public string[] ApiKeys { get; set; } = [];

    /// <summary>Largest JSON body, in bytes, a message or call request may have (413 past it): its text is a few KB.</summary>
    [Range(1024, 4 * 1024 * 1024)]
    public int MaxBodyBytes { get; set; } = 64 * 1024;

    /// <summary>
    /// Largest agent body, in bytes: an agent may carry 16 tools with a 16,000-character schema each, beyond the
    /// 64 KB that is plenty for everything else.
    /// </summary>
    [Range(1024, 4 * 1024 * 1024)]
    public int MaxAgentBodyBytes { get; set; } = 512 * 1024;
}
