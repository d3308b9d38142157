using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace AgentOS.Voice.Functions.ManagementApi;

/// <summary>
/// Lets a request through only with a configured management key in <c>x-api-key</c> (or <c>x-functions-key</c>, the
/// header Functions clients already send); anything else gets 401 ProblemDetails. Keys are compared as SHA-256 digests
/// in constant time, against every configured key, so neither timing nor length tells how close a guess was.
/// Every management function calls it before anything else (functions have no endpoint filters).
/// </summary>
public sealed class ManagementApiKey(IOptionsMonitor<ManagementApiOptions> options)
{
    public const string ApiKeyHeader = "x-api-key";
    public const string FunctionsKeyHeader = "x-functions-key";

    /// <summary>Null when the request carries a valid key; otherwise the 401 to answer with.</summary>
    public IResult? Refuse(HttpRequest request)
    {
        var headers = request.Headers;
        var presented = headers[ApiKeyHeader].FirstOrDefault(k => !string.IsNullOrEmpty(k))
                        ?? headers[FunctionsKeyHeader].FirstOrDefault(k => !string.IsNullOrEmpty(k));
        if (presented is not null && IsValid(presented))
        {
            return null;
        }

        return Results.Problem(
            statusCode: StatusCodes.Status401Unauthorized,
            title: "A valid management API key is required.",
            detail: presented is null
                ? $"Send the key in the {ApiKeyHeader} header."
                : $"The key in the {ApiKeyHeader} header is not valid.");
    }

    private bool IsValid(string presented)
    {
        Span<byte> presentedHash = stackalloc byte[SHA256.HashSizeInBytes];
        Span<byte> keyHash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(presented), presentedHash);

        var match = false;
        foreach (var key in options.CurrentValue.ApiKeys)
        {
            SHA256.HashData(Encoding.UTF8.GetBytes(key), keyHash);
            match |= CryptographicOperations.FixedTimeEquals(presentedHash, keyHash);
        }

        return match;
    }
}
