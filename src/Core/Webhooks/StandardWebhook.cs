using System.Security.Cryptography;
using System.Text;

namespace AgentOS.Voice.Webhooks;

/// <summary>
/// Signing as the Standard Webhooks specification defines it (standardwebhooks.com), so receivers can verify with any
/// of its libraries: the secret is <c>whsec_</c> + base64 key bytes; the signature is
/// <c>v1,</c> + base64(HMAC-SHA256(key, "{webhook-id}.{webhook-timestamp}.{body}")), the timestamp in Unix seconds.
/// </summary>
public static class StandardWebhook
{
    public const string IdHeader = "webhook-id";
    public const string TimestampHeader = "webhook-timestamp";
    public const string SignatureHeader = "webhook-signature";
    public const string SecretPrefix = "whsec_";

    /// <summary>The spec's recommended tolerance for a timestamp's distance from now.</summary>
    public static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    // The spec asks for 24–64 bytes of key.
    private const int SecretBytes = 32;

    public static string NewSecret() => SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(SecretBytes));

    /// <summary>True when <paramref name="secret"/> is <c>whsec_</c> followed by base64 of 24–64 bytes.</summary>
    public static bool IsSecret(string? secret) =>
        secret is not null && secret.StartsWith(SecretPrefix, StringComparison.Ordinal) &&
        TryKey(secret, out var key) && key.Length is >= 24 and <= 64;

    /// <summary>The <c>webhook-signature</c> value for one delivery.</summary>
    public static string Sign(string secret, string webhookId, long unixSeconds, ReadOnlySpan<byte> body)
    {
        if (!TryKey(secret, out var key))
        {
            throw new ArgumentException("The webhook secret must be whsec_ followed by base64.", nameof(secret));
        }

        var prefix = Encoding.UTF8.GetBytes($"{webhookId}.{unixSeconds}.");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, signed));
    }

    /// <summary>
    /// What a receiver does: true when one of the space-separated <c>v1,</c> signatures in
    /// <paramref name="signatureHeader"/> matches and the timestamp is within <see cref="Tolerance"/> of <paramref name="now"/>.
    /// </summary>
    public static bool Verify(string secret, string webhookId, string timestampHeader, string signatureHeader, ReadOnlySpan<byte> body, DateTimeOffset now)
    {
        if (!long.TryParse(timestampHeader, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds) ||
            (now - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > Tolerance)
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(Sign(secret, webhookId, seconds, body));
        foreach (var candidate in signatureHeader.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(candidate), expected))
            {
                return true;
            }
        }

        return false;
    }

    private static bool TryKey(string secret, out byte[] key)
    {
        var encoded = secret.StartsWith(SecretPrefix, StringComparison.Ordinal) ? secret[SecretPrefix.Length..] : secret;
        key = new byte[encoded.Length];
        if (!Convert.TryFromBase64String(encoded, key, out var written) || written == 0)
        {
            return false;
        }

        key = key[..written];
        return true;
    }
}
