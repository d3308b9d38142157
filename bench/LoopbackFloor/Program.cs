using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using AgentOS.Voice.Bench.Common;

// The machine's floor under the first-token figures: a one-byte TCP round trip between two idle .NET processes on
// loopback, after gaps like the load tool's think time. Each first token crosses four such one-way hops (caller →
// RelayHost → LLM → RelayHost → caller), and at idle every hop must wake a sleeping process first.
if (args is ["echo", var portText])
{
    var listener = new TcpListener(IPAddress.Loopback, int.Parse(portText));
    listener.Start();
    while (true)
    {
        _ = EchoAsync(await listener.AcceptSocketAsync());
    }
}

var port = BenchProcesses.FreePort();
using var processes = new BenchProcesses();
var echoProcess = processes.Start("echo", "dotnet", [typeof(Program).Assembly.Location, "echo", port.ToString()], new Dictionary<string, string>());
await BenchProcesses.WaitForPortAsync(port, echoProcess, CancellationToken.None);
using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
await socket.ConnectAsync(IPAddress.Loopback, port);
var buffer = new byte[64];
Console.WriteLine($"load average: {ProcessSampler.LoadAverage()}  ({Environment.ProcessorCount} cores)");
foreach (var (gap, count) in new[] { (TimeSpan.Zero, 500), (TimeSpan.FromMilliseconds(100), 100), (TimeSpan.FromSeconds(1), 20), (TimeSpan.FromSeconds(5), 12) })
{
    var rtts = new List<double>();
    for (var i = 0; i < count; i++)
    {
        await Task.Delay(gap);
        var sent = Stopwatch.GetTimestamp();
        await socket.SendAsync(buffer.AsMemory(0, 1));
        await socket.ReceiveAsync(buffer);
        rtts.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
    }

    Console.WriteLine($"idle {gap.TotalMilliseconds,5:F0} ms before each: round trip, ms {Summary.Of(rtts)}");
}

return 0;

static async Task EchoAsync(Socket peer)
{
    using (peer)
    {
        peer.NoDelay = true;
        var echo = new byte[64];
        int n;
        while ((n = await peer.ReceiveAsync(echo)) > 0)
        {
            await peer.SendAsync(echo.AsMemory(0, n));
        }
    }
}
