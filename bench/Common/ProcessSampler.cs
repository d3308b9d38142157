namespace AgentOS.Voice.Bench.Common;

/// <summary>CPU time and RSS of one process, read from /proc/&lt;pid&gt;/stat and /proc/&lt;pid&gt;/status.</summary>
public sealed record ProcessSample(long CpuTicks, long RssKb);

public sealed class ProcessSampler(string name, int pid)
{
    // USER_HZ: the unit of utime/stime in /proc/<pid>/stat; 100 on every Linux this runs on.
    public const double TicksPerSecond = 100;

    private readonly List<(TimeSpan At, ProcessSample Sample)> _samples = [];

    public string Name { get; } = name;
    public int Pid { get; } = pid;
    public IReadOnlyList<(TimeSpan At, ProcessSample Sample)> Samples => _samples;

    public static ProcessSample Read(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // Fields after the command name, which is in parentheses and may itself contain spaces.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var cpu = long.Parse(fields[11]) + long.Parse(fields[12]);
        long rss = 0;
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0]);
                break;
            }
        }

        return new ProcessSample(cpu, rss);
    }

    public ProcessSample Sample(TimeSpan at)
    {
        var sample = Read(Pid);
        lock (_samples)
        {
            _samples.Add((at, sample));
        }

        return sample;
    }

    /// <summary>Average CPU between two times, in percent of one core.</summary>
    public double CpuPercent(TimeSpan from, TimeSpan to)
    {
        lock (_samples)
        {
            var first = _samples.LastOrDefault(s => s.At <= from, _samples.FirstOrDefault());
            var last = _samples.LastOrDefault(s => s.At <= to, _samples.LastOrDefault());
            var seconds = (last.At - first.At).TotalSeconds;
            return seconds <= 0 ? 0 : (last.Sample.CpuTicks - first.Sample.CpuTicks) / TicksPerSecond / seconds * 100;
        }
    }

    public long MaxRssKb()
    {
        lock (_samples)
        {
            return _samples.Count == 0 ? 0 : _samples.Max(s => s.Sample.RssKb);
        }
    }

    public static string LoadAverage() => File.ReadAllText("/proc/loadavg").Trim();
}
