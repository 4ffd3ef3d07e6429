using System.Collections.Immutable;
using NodaTime;

namespace PhoneSupport.Domain.Policies;

/// <summary>
/// Holidays as rules computed for any year (a fixed date, the nth or last weekday of a month) plus explicit
/// dates. A rule's date falling on Saturday or Sunday is moved to its observed day (by default Friday and
/// Monday, as 5 U.S.C. 6103 does); only observed dates are holidays, so the Saturday itself stays a weekend.
/// </summary>
public sealed class HolidayCalendar
{
    public static readonly HolidayCalendar None = new([], [], null, null);

    private readonly ImmutableArray<HolidayRule> _rules;
    private readonly ImmutableDictionary<LocalDate, string> _explicit;
    private readonly IsoDayOfWeek? _saturdayObservedOn;
    private readonly IsoDayOfWeek? _sundayObservedOn;

    public HolidayCalendar(IEnumerable<HolidayRule> rules, IEnumerable<(LocalDate Date, string Name)> dates, IsoDayOfWeek? saturdayObservedOn, IsoDayOfWeek? sundayObservedOn)
    {
        _rules = [.. rules];
        _explicit = dates.ToImmutableDictionary(d => d.Date, d => d.Name);
        _saturdayObservedOn = saturdayObservedOn;
        _sundayObservedOn = sundayObservedOn;
    }

    /// <summary>The yearly rules, as the policy lists them.</summary>
    public ImmutableArray<HolidayRule> Rules => _rules;

    /// <summary>The explicit dates with their names, in date order.</summary>
    public IReadOnlyList<(LocalDate Date, string Name)> Dates => [.. _explicit.OrderBy(d => d.Key).Select(d => (d.Key, d.Value))];

    /// <summary>The day a rule's Saturday date is observed on (null: the Saturday itself, a weekend).</summary>
    public IsoDayOfWeek? SaturdayObservedOn => _saturdayObservedOn;

    /// <summary>The day a rule's Sunday date is observed on (null: the Sunday itself, a weekend).</summary>
    public IsoDayOfWeek? SundayObservedOn => _sundayObservedOn;

    /// <summary>The holiday observed on <paramref name="date"/>, or null.</summary>
    public string? HolidayOn(LocalDate date)
    {
        if (_explicit.TryGetValue(date, out var name)) return name;
        // A Saturday 1 January is observed on Friday 31 December, a Sunday 31 December on Monday 1 January:
        // look at the neighbouring years' rules too.
        foreach (var year in new[] { date.Year - 1, date.Year, date.Year + 1 })
            foreach (var rule in _rules)
                if (rule.DateIn(year) is { } actual && Observed(actual) == date)
                    return rule.Name;
        return null;
    }

    public bool IsHoliday(LocalDate date) => HolidayOn(date) is not null;

    /// <summary>Every observed holiday of a year, in date order.</summary>
    public IEnumerable<(LocalDate Date, string Name)> In(int year)
    {
        var start = new LocalDate(year, 1, 1);
        for (var d = start; d.Year == year; d = d.PlusDays(1))
            if (HolidayOn(d) is { } name) yield return (d, name);
    }

    private LocalDate Observed(LocalDate actual) => actual.DayOfWeek switch
    {
        IsoDayOfWeek.Saturday when _saturdayObservedOn is { } day => actual.With(DateAdjusters.Previous(day)),
        IsoDayOfWeek.Sunday when _sundayObservedOn is { } day => actual.With(DateAdjusters.Next(day)),
        _ => actual,
    };
}

/// <summary>A yearly holiday: a fixed month/day, or the nth (or last, <c>Nth = -1</c>) weekday of a month.</summary>
public sealed record HolidayRule(string Name, int Month, int? Day, IsoDayOfWeek? Weekday, int? Nth, int? FromYear)
{
    public LocalDate? DateIn(int year)
    {
        if (FromYear is { } from && year < from) return null;
        if (Day is { } day) return new LocalDate(year, Month, day);
        var weekday = Weekday!.Value;
        if (Nth == -1) return new LocalDate(year, Month, 1).PlusMonths(1).PlusDays(-1).With(DateAdjusters.PreviousOrSame(weekday));
        return new LocalDate(year, Month, 1).With(DateAdjusters.NextOrSame(weekday)).PlusWeeks(Nth!.Value - 1);
    }
}
