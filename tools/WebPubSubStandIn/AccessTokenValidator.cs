using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AgentOS.Voice.WebPubSubStandIn;

/// <summary>What a valid token says about its holder.</summary>
internal sealed record TokenHolder(string? UserId, IReadOnlySet<string> Roles, IReadOnlyList<string> Groups);

/// <summary>
/// Checks HS256 access-key tokens as the service does: signature with the access key's UTF-8 bytes, <c>aud</c> equal to
/// the URL the caller used, <c>exp</c> present and in the future. Microsoft's JWT library does the checking, so the
/// app's own signer is tested against an implementation it does not share.
/// </summary>
internal sealed class AccessTokenValidator(WebPubSubStandInOptions options)
{
    private readonly JsonWebTokenHandler _handler = new();
    private readonly SymmetricSecurityKey _key = new(Encoding.UTF8.GetBytes(options.AccessKey));

    /// <summary>Validates <paramref name="token"/> for any of <paramref name="audiences"/>; the error is in words for the 401 body.</summary>
    public async Task<(TokenHolder? Holder, string? Error)> ValidateAsync(string? token, IReadOnlyCollection<string> audiences)
    {
        if (string.IsNullOrWhiteSpace(token))
        {
            return (null, "No access token: send 'Authorization: Bearer <jwt>' (or access_token= on a client connection).");
        }

        var now = options.TimeProvider.GetUtcNow().UtcDateTime;
        var result = await _handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            IssuerSigningKey = _key,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            ValidateIssuer = false,
            ValidAudiences = audiences,
            RequireExpirationTime = true,
            // Our clock, not DateTime.UtcNow, so tests can move time; no skew, as exp is the whole point of the check.
            LifetimeValidator = (notBefore, expires, _, _) => expires is { } exp && exp > now && (notBefore is not { } nbf || nbf <= now),
        });
        if (!result.IsValid)
        {
            return (null, Describe(result.Exception, audiences));
        }

        var jwt = (JsonWebToken)result.SecurityToken;
        var roles = jwt.Claims.Where(c => c.Type == "role").Select(c => c.Value).ToHashSet(StringComparer.Ordinal);
        var groups = jwt.Claims.Where(c => c.Type == "webpubsub.group").Select(c => c.Value).ToList();
        var userId = jwt.TryGetPayloadValue<string>("sub", out var sub) ? sub : null;
        return (new TokenHolder(userId, roles, groups), null);
    }

    // The library hides claim values in its messages (PII); say what failed in our own words instead.
    private static string Describe(Exception? error, IReadOnlyCollection<string> audiences) => error switch
    {
        SecurityTokenInvalidAudienceException => $"The token's aud is not this URL; expected {string.Join(" or ", audiences)}.",
        SecurityTokenNoExpirationException => "The token has no exp claim.",
        SecurityTokenInvalidLifetimeException or SecurityTokenExpiredException => "The token has expired.",
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "The token's signature does not match the access key.",
        SecurityTokenInvalidAlgorithmException => "The token is not signed with HS256.",
        SecurityTokenMalformedException => "The access token is not a well-formed JWT.",
        _ => "The access token is not valid: " + error?.GetType().Name,
    };
}
