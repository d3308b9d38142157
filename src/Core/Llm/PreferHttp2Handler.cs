using System.Net;

namespace AgentOS.Voice.Llm;

/// <summary>
/// Asks for HTTP/2 on every LLM request; the server's TLS handshake (ALPN) decides, and HTTP/1.1 stays the fallback.
/// The clients build their own <see cref="HttpRequestMessage"/>s, which default to HTTP/1.1, and HttpClient's
/// DefaultRequestVersion only applies to requests it builds itself, so this handler sets the version. Why it matters:
/// an interrupted answer's stream must be closed at once so the provider stops generating. Over HTTP/1.1 that closes
/// the connection, and the caller's next turn pays a new TCP and TLS handshake to the provider before its first token.
/// Over HTTP/2 only the stream is reset and the connection stays warm. Plain-http base URLs (local model servers)
/// stay on HTTP/1.1: without TLS there is no negotiation, and many such servers do not speak HTTP/2.
/// </summary>
internal sealed class PreferHttp2Handler : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Version = HttpVersion.Version20;
        request.VersionPolicy = HttpVersionPolicy.RequestVersionOrLower;
        return base.SendAsync(request, cancellationToken);
    }
}
