using System.Net;
using System.Net.Sockets;

namespace AgentOS.Voice.Webhooks;

/// <summary>
/// "AgentEndpoints": where agents' tools and outcome webhooks may point. In production only public HTTPS hosts; a local
/// run sets <see cref="AllowLoopback"/> so the dev runner's demo tool and test receivers on 127.0.0.1 can be reached.
/// </summary>
public sealed class AgentEndpointOptions
{
    public const string SectionName = "AgentEndpoints";

    /// <summary>Local runs only: allow loopback hosts, over plain HTTP too. Off in production.</summary>
    public bool AllowLoopback { get; set; }

    /// <summary>The problem with <paramref name="url"/> as an agent endpoint, or null when it is acceptable.</summary>
    public string? UrlProblem(string? url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            return "Must be an absolute https:// URL.";
        }

        if (uri.UserInfo.Length > 0 || uri.Fragment.Length > 0)
        {
            return "Must not carry user info or a fragment.";
        }

        var loopback = uri.IsLoopback;
        if (loopback && !AllowLoopback)
        {
            return "Must not point at this machine (loopback is allowed only in local runs).";
        }

        if (uri.Scheme != Uri.UriSchemeHttps && !(loopback && AllowLoopback))
        {
            return "Must use https (plain http is allowed only for loopback in local runs).";
        }

        if (IPAddress.TryParse(uri.IdnHost, out var address) && !IsAllowed(address))
        {
            return "Must not point at a private, link-local or otherwise non-public address.";
        }

        return null;
    }

    /// <summary>
    /// Whether a connection to <paramref name="address"/> is allowed: public unicast only, plus loopback when
    /// <see cref="AllowLoopback"/>. Checked again on the resolved address of every connection, so a name that
    /// resolves (or is re-pointed) to an internal address is refused too.
    /// </summary>
    public bool IsAllowed(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address))
        {
            return AllowLoopback;
        }

        return address.AddressFamily switch
        {
            AddressFamily.InterNetwork => IsPublicV4(address.GetAddressBytes()),
            AddressFamily.InterNetworkV6 => IsPublicV6(address),
            _ => false,
        };
    }

    private static bool IsPublicV4(byte[] b) => !(
        b[0] == 0 ||                                  // "this network"
        b[0] == 10 ||                                 // private
        (b[0] == 100 && b[1] >= 64 && b[1] < 128) ||  // carrier-grade NAT
        (b[0] == 169 && b[1] == 254) ||               // link-local, cloud metadata endpoints
        (b[0] == 172 && b[1] >= 16 && b[1] < 32) ||   // private
        (b[0] == 192 && b[1] == 0 && b[2] == 0) ||    // IETF protocol assignments
        (b[0] == 192 && b[1] == 168) ||               // private
        (b[0] == 198 && (b[1] == 18 || b[1] == 19)) || // benchmarking
        b[0] >= 224);                                 // multicast, reserved, broadcast

    private static bool IsPublicV6(IPAddress address)
    {
        var b = address.GetAddressBytes();
        return !(address.Equals(IPAddress.IPv6None) || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast ||
                 (b[0] & 0xFE) == 0xFC ||             // unique local fc00::/7
                 address.IsIPv6Teredo);
    }
}
