using System.ComponentModel.DataAnnotations;

namespace AgentOS.Voice.Functions.ManagementApi;

/// <summary>Keys that open the management API (section "ManagementApi"). Several may be valid at once so keys can rotate.</summary>
public sealed class ManagementApiOptions
{
    public const string SectionName = "ManagementApi";

    public const int MinKeyLength = 16;

    [MinLength(1, ErrorMessage = "ManagementApi:ApiKeys needs at least one key.")]
    public string[] ApiKeys { get; set; } = [];
}
