namespace AgentOS.Voice.Bench.Common;

/// <summary>Percentiles of a list of values (nearest rank), as printed and written to the result file.</summary>
public sealed record Summary(int Count, double? P50, double? P95, double? P99, double? Max, double? Mean)
{
    public static Summary Of(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return new Summary(0, null, null, null, null, null);
        }

        return new Summary(sorted.Length, Rank(sorted, 0.50), Rank(sorted, 0.95), Rank(sorted, 0.99), sorted[^1], sorted.Average());
    }

    private static double Rank(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    public override string ToString() => Count == 0
        ? "n=0"
        : $"p50 {P50,8:F2}  p95 {P95,8:F2}  p99 {P99,8:F2}  max {Max,8:F2}  (n={Count})";
}
