using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace AgentOS.Voice.Events;

/// <summary>
/// The HS256 JWTs Web PubSub takes when signed with the access key (the key's UTF-8 bytes, as the service's SDKs sign).
/// Written here rather than through a JWT library: it is a dozen lines, on every send, and the stand-in checks it with
/// Microsoft's library, which makes that check independent.
/// </summary>
internal static class AccessKeyToken
{
    private static readonly string Header = Base64Url.EncodeToString("""{"alg":"HS256","typ":"JWT"}"""u8);

    /// <summary>A token for <paramref name="audience"/> valid until <paramref name="expires"/>; roles and groups for client tokens.</summary>
    public static string Create(
        string accessKey, string audience, DateTimeOffset issuedAt, DateTimeOffset expires,
        string? userId = null, IReadOnlyCollection<string>? roles = null, IReadOnlyCollection<string>? groups = null)
    {
        using var payload = new MemoryStream();
        using (var json = new Utf8JsonWriter(payload))
        {
            json.WriteStartObject();
            json.WriteString("aud", audience);
            json.WriteNumber("iat", issuedAt.ToUnixTimeSeconds());
            json.WriteNumber("exp", expires.ToUnixTimeSeconds());
            if (userId is not null)
            {
                json.WriteString("sub", userId);
            }

            WriteArray(json, "role", roles);
            WriteArray(json, "webpubsub.group", groups);
            json.WriteEndObject();
        }

        var signingInput = new StringBuilder()
            .Append(Header).Append('.')
            .Append(Base64Url.EncodeToString(payload.GetBuffer().AsSpan(0, (int)payload.Length)))
            .ToString();
        var signature = HMACSHA256.HashData(Encoding.UTF8.GetBytes(accessKey), Encoding.UTF8.GetBytes(signingInput));
        return signingInput + "." + Base64Url.EncodeToString(signature);
    }

    private static void WriteArray(Utf8JsonWriter json, string name, IReadOnlyCollection<string>? values)
    {
        if (values is { Count: > 0 })
        {
            json.WriteStartArray(name);
            foreach (var value in values)
            {
                json.WriteStringValue(value);
            }

            json.WriteEndArray();
        }
    }
}
