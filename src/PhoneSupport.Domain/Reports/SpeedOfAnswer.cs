namespace PhoneSupport.Domain.Reports;

/// <summary>
/// Speed of answer (offer → technician accepted) kept as a histogram with fixed bucket edges, so roll-ups can be added up
/// across days, plans and instances and a percentile still read off them. Bucket <c>i</c> holds answers of
/// <c>Edges[i] ≤ s &lt; Edges[i+1]</c> seconds; the last bucket is open (one hour and more).
/// Precision of <see cref="Percentile"/>: the rank is located exactly, the value inside its bucket is interpolated linearly
/// (answers assumed spread evenly in it — or, when the bucket's sum of seconds is known, spread evenly from its lower edge
/// over twice their mean's distance from it, so a bucket of instant answers reads 0 s, not 4.5 s), so the error is below
/// the bucket's width: under 5 s up to 20 s, 10–15 s up to a minute, then growing with the edges; past one hour the lower
/// edge (3600) is reported.
/// </summary>
public static class SpeedOfAnswer
{
    public static readonly IReadOnlyList<int> Edges = [0, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 240, 300, 420, 600, 900, 1200, 1800, 3600];

    /// <summary>The bucket of an answer after <paramref name="seconds"/> (negative, from clock skew between instances, counts as 0).</summary>
    public static int BucketOf(long seconds)
    {
        for (var i = Edges.Count - 1; i > 0; i--)
            if (seconds >= Edges[i]) return i;
        return 0;
    }

    /// <summary>
    /// The <paramref name="p"/>-quantile (0 &lt; p ≤ 1) of the answers counted in <paramref name="counts"/> (index = bucket), in
    /// seconds with one decimal; null when nothing was answered. The rank is p·N (continuous): the value at the point of the
    /// bucket where the cumulative count reaches it.
    /// </summary>
    public static double? Percentile(IReadOnlyList<long> counts, double p, IReadOnlyList<long>? seconds = null)
    {
        ArgumentNullException.ThrowIfNull(counts);
        if (p is <= 0 or > 1) throw new ArgumentOutOfRangeException(nameof(p), p, "A quantile is above 0 and at most 1.");
        var total = counts.Sum();
        if (total == 0) return null;
        var rank = p * total;
        long before = 0;
        for (var i = 0; i < counts.Count; i++)
        {
            if (counts[i] == 0) continue;
            if (before + counts[i] >= rank)
            {
                if (i >= Edges.Count - 1) return Edges[^1];
                var low = Edges[i];
                double width = Edges[i + 1] - low;
                if (seconds is not null && i < seconds.Count)
                {
                    var mean = (double)seconds[i] / counts[i];
                    width = Math.Clamp(2 * (mean - low), 0, width);
                }
                return Math.Round(low + (rank - before) / counts[i] * width, 1);
            }
            before += counts[i];
        }
        return Edges[^1];
    }
}
