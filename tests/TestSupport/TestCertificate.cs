using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AgentOS.Voice.TestSupport;

/// <summary>
/// A self-signed server certificate for 127.0.0.1, made in memory, for loopback stand-ins that must speak TLS (HTTP/2
/// is negotiated in the TLS handshake). Clients trust it by thumbprint, never by turning validation off.
/// </summary>
public static class TestCertificate
{
    private static readonly Lazy<X509Certificate2> Shared = new(Create);

    public static X509Certificate2 Loopback => Shared.Value;

    /// <summary>A validation callback that accepts this certificate and nothing else.</summary>
    public static bool IsLoopback(X509Certificate? presented) =>
        presented is not null && presented.GetCertHashString() == Loopback.Thumbprint;

    private static X509Certificate2 Create()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        // Through PKCS#12 so the private key is one TLS (OpenSSL) can use, not an ephemeral handle.
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), password: null);
    }
}
