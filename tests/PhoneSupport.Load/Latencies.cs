using System.Globalization;

namespace PhoneSupport.Load;

/// <summary>Latency samples in milliseconds (one list per worker, merged at the end: no contention while measuring).</summary>
public sealed class Latencies
{
    private readonly List<double> _samples = [];
    private double[]? _sorted;

    public int Count => _samples.Count;

    public void Add(TimeSpan latency)
    {
        _samples.Add(latency.TotalMilliseconds);
        _sorted = null;
    }

    public void AddRange(Latencies other)
    {
        _samples.AddRange(other._samples);
        _sorted = null;
    }

    public double Percentile(double p)
    {
        _sorted ??= [.. _samples.Order()];
        if (_sorted.Length == 0) return double.NaN;
        var rank = (int)Math.Ceiling(p / 100.0 * _sorted.Length) - 1;
        return _sorted[Math.Clamp(rank, 0, _sorted.Length - 1)];
    }

    public double P50 => Percentile(50);
    public double P95 => Percentile(95);
    public double P99 => Percentile(99);
    public double Max => Percentile(100);

    public string Summary() => string.Create(CultureInfo.InvariantCulture, $"p50 {P50,7:0.00} ms  p95 {P95,7:0.00} ms  p99 {P99,7:0.00} ms  max {Max,8:0.0} ms");
}
