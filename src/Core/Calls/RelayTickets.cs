using System.Buffers.Text;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace AgentOS.Voice.Calls;

/// <summary>
/// The key that binds a ConversationRelay socket to one call. Bound from the "RelayTickets" section; the secret comes
/// from Key Vault in Azure and must be the same for the Functions app (which issues tickets) and RelayHost (which checks them).
/// </summary>
public sealed class RelayTicketOptions
{
    public const string SectionName = "RelayTickets";

    /// <summary>HMAC-SHA256 key of the tickets; at least 32 characters so it cannot be guessed.</summary>
    [Required, MinLength(32, ErrorMessage = "RelayTickets:Secret must be at least 32 characters.")]
    public string Secret { get; set; } = string.Empty;

    /// <summary>
    /// How long a ticket opens a socket after its TwiML was written. Twilio connects as soon as it reads the TwiML,
    /// so a short lifetime only has to cover that and clock skew between the apps.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:05", "00:30:00")]
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromMinutes(2);
}

/// <summary>What a valid ticket says: the socket belongs to this call's session number <see cref="Attempt"/> of this agent.</summary>
public sealed record RelayTicket(string AgentId, string CallId, int Attempt, DateTimeOffset Expires, string Token);

/// <summary>
/// Tickets on the relay URL (<c>?callId=…&amp;attempt=…&amp;expires=…&amp;ticket=…</c>). Twilio's upgrade signature
/// covers the whole URL but is the same every time that URL is used, and the bare agent URL was the same for every
/// call of an agent: one observed signature opened sessions for any call. The ticket ties the URL to one call id and
/// session attempt, expires, and is used once (RelayHost keeps the used ones until they expire).
/// </summary>
public sealed class RelayTickets(IOptions<RelayTicketOptions> options, TimeProvider time)
{
    public const string CallIdParameter = "callId";
    public const string AttemptParameter = "attempt";
    public const string ExpiresParameter = "expires";
    public const string TicketParameter = "ticket";

    /// <summary>The &lt;Parameter&gt;s the TwiML gives the session, which Twilio echoes in <c>setup.customParameters</c>.</summary>
    public const string CallIdSetupParameter = "callId";
    public const string AgentIdSetupParameter = "agentId";

    /// <summary>The query string (with its '?') that lets call <paramref name="callId"/>'s session <paramref name="attempt"/> open a socket.</summary>
    public string Query(string agentId, string callId, int attempt) =>
        Query(options.Value.Secret, agentId, callId, attempt, time.GetUtcNow() + options.Value.Lifetime);

    /// <summary>The same, with a chosen expiry and secret: for tools that stand in for the Functions app (load runs).</summary>
    public static string Query(string secret, string agentId, string callId, int attempt, DateTimeOffset expires)
    {
        var seconds = expires.ToUnixTimeSeconds();
        return "?" + CallIdParameter + "=" + Uri.EscapeDataString(callId)
            + "&" + AttemptParameter + "=" + attempt.ToString(CultureInfo.InvariantCulture)
            + "&" + ExpiresParameter + "=" + seconds.ToString(CultureInfo.InvariantCulture)
            + "&" + TicketParameter + "=" + Token(secret, agentId, callId, attempt, seconds);
    }

    /// <summary>
    /// The ticket on an upgrade to <paramref name="agentId"/>'s socket, or why it opens nothing; <paramref name="query"/>
    /// gives the upgrade URL's query parameter of a name, or null.
    /// </summary>
    public RelayTicket? Check(string agentId, Func<string, string?> query, out string? failure)
    {
        string? callId = query(CallIdParameter);
        string? token = query(TicketParameter);
        if (string.IsNullOrEmpty(callId) || string.IsNullOrEmpty(token)
            || !int.TryParse(query(AttemptParameter), NumberStyles.None, CultureInfo.InvariantCulture, out var attempt) || attempt < 1
            || !long.TryParse(query(ExpiresParameter), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            failure = "no ticket";
            return null;
        }

        var expected = Encoding.ASCII.GetBytes(Token(options.Value.Secret, agentId, callId, attempt, seconds));
        if (!CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(token)))
        {
            failure = "ticket not valid for this agent and call";
            return null;
        }

        var expires = DateTimeOffset.FromUnixTimeSeconds(Math.Min(seconds, DateTimeOffset.MaxValue.ToUnixTimeSeconds()));
        if (time.GetUtcNow() > expires)
        {
            failure = "ticket expired";
            return null;
        }

        failure = null;
        return new RelayTicket(agentId, callId, attempt, expires, token);
    }

    // Every value is escaped, so the separator cannot occur inside one and two different tickets never sign the same text.
    private static string Token(string secret, string agentId, string callId, int attempt, long expires)
    {
        var text = string.Join('|', Uri.EscapeDataString(agentId), Uri.EscapeDataString(callId),
            attempt.ToString(CultureInfo.InvariantCulture), expires.ToString(CultureInfo.InvariantCulture));
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(text));
        return Base64Url.EncodeToString(mac);
    }
}
