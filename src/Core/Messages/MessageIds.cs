using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace AgentOS.Voice.Messages;

public static partial class MessageIds
{
    [GeneratedRegex(@"^[A-Za-z0-9_-]{1,64}\z")]
    private static partial Regex Valid();

    /// <summary>Time-ordered, so a partition lists an agent's messages oldest first.</summary>
    public static string New() => "msg_" + Guid.CreateVersion7().ToString("N");

    /// <summary>
    /// The same (agent, key) always gives the same id: creating the row is then the idempotency check, atomically,
    /// with no second index to keep in step. Parts are length-prefixed so no two pairs hash alike.
    /// </summary>
    public static string ForIdempotencyKey(string agentId, string idempotencyKey)
    {
        var text = $"agentos-message-v1\n{agentId.Length}:{agentId}\n{idempotencyKey.Length}:{idempotencyKey}";
        return "msg_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..32];
    }

    /// <summary>Usable as a table row key and in a URL path.</summary>
    public static bool IsValid(string? id) => id is not null && Valid().IsMatch(id);
}
