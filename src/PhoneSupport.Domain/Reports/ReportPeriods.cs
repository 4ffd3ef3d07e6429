using System.Globalization;
using NodaTime;
using NodaTime.Calendars;

namespace PhoneSupport.Domain.Reports;

/// <summary>How the service report groups its rows: by a period of the provider's calendar, or over the whole range by plan or severity.</summary>
public enum ReportGrouping
{
    Day,
    Week,
    Month,
    Plan,
    Severity,
}

/// <summary>
/// Bucketing instants into report periods in a provider's zone. A day is the provider's local calendar day (a DST day has
/// 23 or 25 hours and stays one day); a week is the ISO week (Monday to Sunday, labelled <c>2030-W10</c>); a month the
/// calendar month (<c>2030-03</c>). Grouping by plan or severity gives one period: the whole range (<c>from/to</c>).
/// </summary>
public static class ReportPeriods
{
    public static bool TryParse(string? text, out ReportGrouping grouping)
    {
        grouping = ReportGrouping.Day;
        return text switch
        {
            null or "" or "day" => true,
            "week" => Set(ReportGrouping.Week, out grouping),
            "month" => Set(ReportGrouping.Month, out grouping),
            "plan" => Set(ReportGrouping.Plan, out grouping),
            "severity" => Set(ReportGrouping.Severity, out grouping),
            _ => false,
        };
    }

    private static bool Set(ReportGrouping value, out ReportGrouping grouping)
    {
        grouping = value;
        return true;
    }

    /// <summary>The provider's local day an instant falls on.</summary>
    public static LocalDate LocalDay(Instant at, DateTimeZone zone) => at.InZone(zone).Date;

    /// <summary>The first instant of a local day in the zone (a day starting in a DST gap starts when the gap ends).</summary>
    public static Instant StartOf(LocalDate day, DateTimeZone zone) => zone.AtStartOfDay(day).ToInstant();

    /// <summary>The instants of local days <paramref name="from"/> to <paramref name="to"/> (both included): [start of from, start of the day after to).</summary>
    public static Interval Span(LocalDate from, LocalDate to, DateTimeZone zone) => new(StartOf(from, zone), StartOf(to.PlusDays(1), zone));

    /// <summary>The label of the period a local day belongs to.</summary>
    public static string PeriodOf(LocalDate day, ReportGrouping grouping, LocalDate from, LocalDate to) => grouping switch
    {
        ReportGrouping.Day => day.ToString("yyyy'-'MM'-'dd", CultureInfo.InvariantCulture),
        ReportGrouping.Week => string.Create(CultureInfo.InvariantCulture,
            $"{WeekYearRules.Iso.GetWeekYear(day)}-W{WeekYearRules.Iso.GetWeekOfWeekYear(day):00}"),
        ReportGrouping.Month => day.ToString("yyyy'-'MM", CultureInfo.InvariantCulture),
        _ => Whole(from, to),
    };

    /// <summary>The label of the whole range.</summary>
    public static string Whole(LocalDate from, LocalDate to) =>
        $"{from.ToString("yyyy'-'MM'-'dd", CultureInfo.InvariantCulture)}/{to.ToString("yyyy'-'MM'-'dd", CultureInfo.InvariantCulture)}";

    /// <summary>The labels of every period from <paramref name="from"/> to <paramref name="to"/> in order (days without calls included).</summary>
    public static IReadOnlyList<string> All(LocalDate from, LocalDate to, ReportGrouping grouping)
    {
        var labels = new List<string>();
        for (var day = from; day <= to; day = day.PlusDays(1))
        {
            var label = PeriodOf(day, grouping, from, to);
            if (labels.Count == 0 || labels[^1] != label) labels.Add(label);
        }
        return labels;
    }
}
