using NodaTime;

namespace PhoneSupport.Domain.Reports;

/// <summary>
/// Counts and sums of one provider's local day for one plan and severity (a roll-up row, or a day of callbacks or SLA
/// records). Counts are kept, never percentages, so any grouping adds them up exactly (docs/reports.md).
/// </summary>
public sealed class ServiceTally
{
    public long Received { get; set; }
    public long Offered { get; set; }
    public long AnsweredLive { get; set; }
    public long AnsweredWithinTarget { get; set; }
    public long Abandoned { get; set; }
    public long AbandonedInIvr { get; set; }
    public long AbandonedInQueue { get; set; }
    public long CallbacksPromised { get; set; }
    public long CallbacksKeptOnTime { get; set; }
    public long CallbacksLate { get; set; }
    public long CallbacksMissed { get; set; }
    public long SlaMet { get; set; }
    public long SlaMissed { get; set; }
    public long SpeedOfAnswerSeconds { get; set; }
    public long TalkSeconds { get; set; }
    public long HandleSeconds { get; set; }

    /// <summary>Answered calls per speed-of-answer bucket (<see cref="SpeedOfAnswer.Edges"/>).</summary>
    public long[] SpeedBuckets { get; } = new long[SpeedOfAnswer.Edges.Count];

    /// <summary>The seconds to answer summed per bucket (bounds the interpolation inside a bucket).</summary>
    public long[] SpeedBucketSeconds { get; } = new long[SpeedOfAnswer.Edges.Count];

    public void Add(ServiceTally other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Received += other.Received;
        Offered += other.Offered;
        AnsweredLive += other.AnsweredLive;
        AnsweredWithinTarget += other.AnsweredWithinTarget;
        Abandoned += other.Abandoned;
        AbandonedInIvr += other.AbandonedInIvr;
        AbandonedInQueue += other.AbandonedInQueue;
        CallbacksPromised += other.CallbacksPromised;
        CallbacksKeptOnTime += other.CallbacksKeptOnTime;
        CallbacksLate += other.CallbacksLate;
        CallbacksMissed += other.CallbacksMissed;
        SlaMet += other.SlaMet;
        SlaMissed += other.SlaMissed;
        SpeedOfAnswerSeconds += other.SpeedOfAnswerSeconds;
        TalkSeconds += other.TalkSeconds;
        HandleSeconds += other.HandleSeconds;
        for (var i = 0; i < SpeedBuckets.Length; i++)
        {
            SpeedBuckets[i] += other.SpeedBuckets[i];
            SpeedBucketSeconds[i] += other.SpeedBucketSeconds[i];
        }
    }
}

/// <summary>A tally of one local day, plan (empty: caller not identified) and severity (0: none asked).</summary>
public sealed record ServiceFact(LocalDate Day, string Plan, int Severity, ServiceTally Tally);

/// <summary>One row of the service report (docs/reports.md defines each figure).</summary>
public sealed record ServiceRow(
    string Period, string Provider, string? Plan, int? Severity,
    long Offered, long AnsweredLive, long AnsweredWithinTarget, long Abandoned, long AbandonedInIvr, long AbandonedInQueue,
    long CallbacksPromised, long CallbacksKeptOnTime, long CallbacksLate, long CallbacksMissed, long SlaMet, long SlaMissed,
    double? AvgSpeedOfAnswerSeconds, double? P90SpeedOfAnswerSeconds, double? AvgTalkSeconds, double? AvgHandleSeconds)
{
    /// <summary>Service level: answered within the target / offered, in percent (null with nothing offered).</summary>
    public double? ServiceLevelPercent => ServiceReport.Percent(AnsweredWithinTarget, Offered);

    /// <summary>SLA compliance: met / (met + missed), in percent.</summary>
    public double? SlaMetPercent => ServiceReport.Percent(SlaMet, SlaMet + SlaMissed);

    /// <summary>Callbacks kept on time / callbacks that came due (kept, late or missed), in percent.</summary>
    public double? CallbacksOnTimePercent => ServiceReport.Percent(CallbacksKeptOnTime, CallbacksKeptOnTime + CallbacksLate + CallbacksMissed);
}

public static class ServiceReport
{
    /// <summary>
    /// Folds day tallies into report rows: one per period for day/week/month (plans and severities added up), one per plan
    /// or per severity over the whole range. Periods without any figure are left out; rows come in period, then plan or
    /// severity order.
    /// </summary>
    public static IReadOnlyList<ServiceRow> Fold(string provider, IEnumerable<ServiceFact> facts, ReportGrouping grouping, LocalDate from, LocalDate to)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var groups = new SortedDictionary<(string Period, string Plan, int Severity), ServiceTally>();
        foreach (var fact in facts)
        {
            if (fact.Day < from || fact.Day > to) continue;
            var key = (ReportPeriods.PeriodOf(fact.Day, grouping, from, to),
                grouping == ReportGrouping.Plan ? fact.Plan : "", grouping == ReportGrouping.Severity ? fact.Severity : 0);
            if (!groups.TryGetValue(key, out var tally)) groups[key] = tally = new ServiceTally();
            tally.Add(fact.Tally);
        }
        return [.. groups.Select(g => Row(g.Key.Period, provider, grouping == ReportGrouping.Plan ? g.Key.Plan : null,
            grouping == ReportGrouping.Severity ? g.Key.Severity : null, g.Value))];
    }

    public static ServiceRow Row(string period, string provider, string? plan, int? severity, ServiceTally t)
    {
        ArgumentNullException.ThrowIfNull(t);
        return new(period, provider, plan, severity, t.Offered, t.AnsweredLive, t.AnsweredWithinTarget, t.Abandoned, t.AbandonedInIvr, t.AbandonedInQueue,
            t.CallbacksPromised, t.CallbacksKeptOnTime, t.CallbacksLate, t.CallbacksMissed, t.SlaMet, t.SlaMissed,
            Average(t.SpeedOfAnswerSeconds, t.AnsweredLive), SpeedOfAnswer.Percentile(t.SpeedBuckets, 0.9, t.SpeedBucketSeconds),
            Average(t.TalkSeconds, t.AnsweredLive), Average(t.HandleSeconds, t.AnsweredLive));
    }

    /// <summary>A mean in seconds with one decimal; null over nothing.</summary>
    public static double? Average(long sum, long count) => count == 0 ? null : Math.Round((double)sum / count, 1);

    /// <summary>A share in percent with one decimal; null over nothing.</summary>
    public static double? Percent(long part, long whole) => whole == 0 ? null : Math.Round(100.0 * part / whole, 1);
}
