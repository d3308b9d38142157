using System.Diagnostics;
using System.Globalization;
using AgentOS.Voice.Bench.Common;

namespace AgentOS.Voice.Bench.RelayLoad;

/// <summary>
/// nginx (Debian's package) in front of the RelayHost replicas, standing in for Container Apps' ingress: WebSocket
/// upgrades proxied, and an upgrade a replica refuses with 503 (full, or draining) tried on the next one, as a load
/// balancer's retry does. The first replica is the primary and the others are backups, so a run shows exactly the
/// calls past one replica's cap going elsewhere. Each upgrade is logged with the replica that answered it, when the
/// session ends.
/// </summary>
internal sealed class NginxFront(int port) : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("relay-load-nginx-");

    public int Port => port;
    public Process? Process { get; private set; }
    public string AccessLog => Path.Combine(_folder.FullName, "access.log");

    public void Start(BenchProcesses processes, IEnumerable<int> replicaPorts)
    {
        var servers = replicaPorts.Select((p, i) => $"        server 127.0.0.1:{p} max_fails=0{(i == 0 ? "" : " backup")};");
        var config = $$"""
            worker_processes 1;
            pid {{_folder.FullName}}/nginx.pid;
            error_log {{_folder.FullName}}/error.log warn;
            events { worker_connections 20000; }
            http {
                # when the session ended, how long it lasted, which replicas were tried (with their answers), the status sent back
                log_format relay '$msec $request_time "$upstream_addr" "$upstream_status" $status';
                access_log {{AccessLog}} relay;
                client_body_temp_path {{_folder.FullName}}/body;
                proxy_temp_path {{_folder.FullName}}/proxy;
                upstream relay {
            {{string.Join("\n", servers)}}
                }
                map $http_upgrade $connection_upgrade { default upgrade; '' close; }
                server {
                    listen 127.0.0.1:{{port}};
                    location / {
                        proxy_pass http://relay;
                        proxy_http_version 1.1;
                        proxy_set_header Upgrade $http_upgrade;
                        proxy_set_header Connection $connection_upgrade;
                        proxy_set_header Host $http_host;
                        proxy_read_timeout 3600s;
                        proxy_next_upstream error timeout http_503;
                    }
                }
            }
            """;
        var path = Path.Combine(_folder.FullName, "nginx.conf");
        File.WriteAllText(path, config);
        var nginx = File.Exists("/usr/sbin/nginx") ? "/usr/sbin/nginx" : "nginx";
        Process = processes.Start("nginx", nginx, ["-p", _folder.FullName, "-c", path, "-g", "daemon off;"], new Dictionary<string, string>());
    }

    /// <summary>Upgrades nginx logged (one per session, once it ended), parsed.</summary>
    public IReadOnlyList<ProxiedSession> Sessions() =>
        File.Exists(AccessLog)
            ? File.ReadAllLines(AccessLog).Select(ProxiedSession.Parse).ToList()
            : [];

    public void Dispose() => _folder.Delete(recursive: true);
}

/// <summary>One access-log line: <paramref name="Replicas"/> and <paramref name="Answers"/> list each try in order.</summary>
internal sealed record ProxiedSession(DateTimeOffset StartedAt, DateTimeOffset EndedAt, IReadOnlyList<string> Replicas, IReadOnlyList<string> Answers, int Status)
{
    public string? ServedBy => Status == 101 ? Replicas[^1] : null;

    public static ProxiedSession Parse(string line)
    {
        // 1764684000.123 12.345 "127.0.0.1:1, 127.0.0.1:2" "503, 101" 101
        var quoted = line.Split('"');
        var head = quoted[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var ended = DateTimeOffset.FromUnixTimeMilliseconds((long)(double.Parse(head[0], CultureInfo.InvariantCulture) * 1000));
        var lasted = TimeSpan.FromSeconds(double.Parse(head[1], CultureInfo.InvariantCulture));
        static string[] List(string s) => s.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return new ProxiedSession(ended - lasted, ended, List(quoted[1]), List(quoted[3]), int.Parse(quoted[4].Trim(), CultureInfo.InvariantCulture));
    }
}
