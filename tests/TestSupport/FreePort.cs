using System.Net;
using System.Net.Sockets;

namespace AgentOS.Voice.TestSupport;

public static class FreePort
{
    /// <summary>A loopback port free at the moment of asking; the OS does not hand it out again soon.</summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
