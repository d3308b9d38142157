using System.Net.Http.Headers;
using Microsoft.Extensions.Options;

namespace AgentOS.Voice.Functions.ManagementApi;

/// <summary>
/// The management API's JSON bodies, checked before they are parsed: <c>Content-Type: application/json</c> (or a
/// <c>+json</c> type; UTF-8 when a charset is named) or 415, at most <see cref="ManagementApiOptions.MaxBodyBytes"/>
/// (agents: <see cref="ManagementApiOptions.MaxAgentBodyBytes"/>) or 413, and UTF-8 throughout or 400. Without the first,
/// text/plain, forms and UTF-16 were all read as JSON; without the second, a 10 MB body was read whole before the
/// validator refused it. The body is read here, up to one byte past the limit, so a chunked body without a
/// Content-Length is held to the same limit.
/// </summary>
public sealed class JsonRequestBody(IOptions<ManagementApiOptions> options)
{
    /// <summary>The body as a stream positioned at its start, or the 415/413 to answer with.</summary>
    public Task<(Stream? Body, IResult? Refused)> ReadAsync(HttpRequest request, CancellationToken cancellationToken) =>
        ReadAsync(request, options.Value.MaxBodyBytes, cancellationToken);

    public Task<(Stream? Body, IResult? Refused)> ReadAgentAsync(HttpRequest request, CancellationToken cancellationToken) =>
        ReadAsync(request, options.Value.MaxAgentBodyBytes, cancellationToken);

    private static async Task<(Stream? Body, IResult? Refused)> ReadAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        if (!IsJson(request.ContentType))
        {
            return (null, Results.Problem(
                statusCode: StatusCodes.Status415UnsupportedMediaType,
                title: "The body must be JSON, sent with Content-Type: application/json.",
                detail: request.ContentType is { Length: > 0 } type ? $"Content-Type was '{type}'." : "No Content-Type was sent."));
        }

        if (request.ContentLength > maxBytes)
        {
            return (null, TooLarge(maxBytes));
        }

        var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > maxBytes)
            {
                return (null, TooLarge(maxBytes));
            }
        }

        if (FirstInvalidUtf8(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)) is { } at)
        {
            return (null, Results.Problem(
                statusCode: StatusCodes.Status400BadRequest,
                title: "The body is not UTF-8.",
                detail: $"The bytes from byte {at} are not UTF-8; send JSON as UTF-8 text."));
        }

        buffer.Position = 0;
        return (buffer, null);
    }

    // System.Text.Json reads such bytes inside a string value as valid JSON and only fails (InvalidOperationException,
    // not JsonException) when it makes the string, which surfaced as a 500.
    private static int? FirstInvalidUtf8(ReadOnlySpan<byte> body)
    {
        if (System.Text.Unicode.Utf8.IsValid(body))
        {
            return null;
        }

        System.Text.Unicode.Utf8.ToUtf16(body, new char[body.Length], out var read, out _, replaceInvalidSequences: false);
        return read;
    }

    private static bool IsJson(string? contentType)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var type) || type.MediaType is not { } media)
        {
            return false;
        }

        var json = media.Equals("application/json", StringComparison.OrdinalIgnoreCase)
                   || (media.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && media.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
        return json && (type.CharSet is null || type.CharSet.Trim('"').Equals("utf-8", StringComparison.OrdinalIgnoreCase));
    }

    private static IResult TooLarge(int maxBytes) => Results.Problem(
        statusCode: StatusCodes.Status413PayloadTooLarge,
        title: $"The body is larger than this endpoint takes ({maxBytes} bytes).",
        detail: "Send less: a voice message's text or an agent's prompts and tool schemas are far smaller than this.");
}
