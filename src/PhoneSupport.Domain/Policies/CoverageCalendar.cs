using System.Collections.Immutable;
using NodaTime;

namespace PhoneSupport.Domain.Policies;

/// <summary>Opening hours on one weekday, local time, start inclusive, end exclusive.</summary>
public sealed record DailyHours(IsoDayOfWeek Day, LocalTime Opens, LocalTime Closes);

/// <summary>
/// A run-time closure (an office party, a storm): from <see cref="Start"/> (inclusive) to <see cref="End"/> (exclusive)
/// the provider's window is <see cref="Window.Holiday"/>, whatever the policy's calendar says.
/// </summary>
public sealed record Closure(Instant Start, Instant End, string Name)
{
    public bool Contains(Instant instant) => instant >= Start && instant < End;
}

/// <summary>
/// When live support is staffed: weekly hours in an IANA zone, minus the holidays and the run-time
/// <see cref="Closures"/>. All decisions about an instant are made in the policy's zone, so DST changes move the
/// boundaries with the local clock.
/// </summary>
public sealed class CoverageCalendar(DateTimeZone zone, IEnumerable<DailyHours> hours, HolidayCalendar holidays, IEnumerable<Closure>? closures = null)
{
    private readonly ImmutableDictionary<IsoDayOfWeek, DailyHours> _hours = hours.ToImmutableDictionary(h => h.Day);

    public DateTimeZone Zone { get; } = zone;
    public HolidayCalendar Holidays { get; } = holidays;

    /// <summary>Run-time closures, ordered by start: holiday windows beside the calendar's (overlaps allowed).</summary>
    public ImmutableArray<Closure> Closures { get; } = [.. (closures ?? []).OrderBy(c => c.Start)];

    /// <summary>The same hours and holidays with these closures (replacing any it had).</summary>
    public CoverageCalendar WithClosures(IEnumerable<Closure> closures) => new(Zone, _hours.Values, Holidays, closures);

    /// <summary>The name of the holiday at <paramref name="instant"/>: a closure's, else the calendar's date; null on a working day.</summary>
    public string? HolidayAt(Instant instant)
    {
        foreach (var closure in Closures)
            if (closure.Contains(instant)) return closure.Name;
        return Holidays.HolidayOn(instant.InZone(Zone).Date);
    }

    /// <summary>The staffed hours by weekday, Monday first (for speaking them in a caller's language).</summary>
    public IReadOnlyList<DailyHours> WeeklyHours => [.. _hours.Values.OrderBy(h => h.Day)];

    public Window WindowAt(Instant instant)
    {
        var local = instant.InZone(Zone).LocalDateTime;
        if (Holidays.IsHoliday(local.Date) || InClosure(instant)) return Window.Holiday;
        if (local.DayOfWeek is IsoDayOfWeek.Saturday or IsoDayOfWeek.Sunday) return Window.Weekend;
        return _hours.TryGetValue(local.DayOfWeek, out var day) && local.TimeOfDay >= day.Opens && local.TimeOfDay < day.Closes
            ? Window.Business
            : Window.Night;
    }

    public bool IsCovered(Instant instant) => WindowAt(instant) == Window.Business;

    private bool InClosure(Instant instant)
    {
        foreach (var closure in Closures)
            if (closure.Contains(instant)) return true;
        return false;
    }

    /// <summary>
    /// The coverage intervals from the one containing (or following) <paramref name="from"/> onwards, as
    /// instants. A local opening time that falls in a DST gap opens at the first valid instant after it. Closures cut
    /// the intervals they overlap (a closure ending at 14:00 leaves 14:00 to closing).
    /// </summary>
    public IEnumerable<Interval> IntervalsFrom(Instant from)
    {
        if (Closures.IsEmpty) return CalendarIntervalsFrom(from);
        return CalendarIntervalsFrom(from).SelectMany(WithoutClosures);
    }

    private IEnumerable<Interval> WithoutClosures(Interval open)
    {
        var start = open.Start;
        foreach (var closure in Closures)
        {
            if (closure.End <= start || closure.Start >= open.End) continue;
            if (closure.Start > start) yield return new Interval(start, closure.Start);
            start = closure.End > start ? closure.End : start;
            if (start >= open.End) yield break;
        }
        yield return new Interval(start, open.End);
    }

    private IEnumerable<Interval> CalendarIntervalsFrom(Instant from)
    {
        if (_hours.Count == 0) yield break;
        var date = from.InZone(Zone).Date;
        for (var i = 0; i < 3700; i++, date = date.PlusDays(1))
        {
            if (Holidays.IsHoliday(date) || date.DayOfWeek is IsoDayOfWeek.Saturday or IsoDayOfWeek.Sunday) continue;
            if (!_hours.TryGetValue(date.DayOfWeek, out var day)) continue;
            var opens = Zone.AtLeniently(date + day.Opens).ToInstant();
            var closes = Zone.AtLeniently(date + day.Closes).ToInstant();
            if (closes <= from) continue;
            yield return new Interval(opens < from ? from : opens, closes);
        }
    }

    /// <summary>The next instant coverage opens at or after <paramref name="from"/> (itself if covered).</summary>
    public Instant NextOpening(Instant from) =>
        IntervalsFrom(from).Select(i => i.Start).DefaultIfEmpty(from).First();

    /// <summary>A readable description for reasons, e.g. "Monday to Friday, 09:00 to 18:00 (America/New_York)".</summary>
    public string Describe() => $"{SpokenHours()} ({Zone.Id})";

    /// <summary>The hours as a caller hears them: "Monday to Friday, 09:00 to 18:00".</summary>
    public string SpokenHours()
    {
        var days = _hours.Values.OrderBy(h => h.Day).ToList();
        if (days.Count == 0) return "no staffed hours";
        var first = days[0];
        var same = days.All(d => d.Opens == first.Opens && d.Closes == first.Closes);
        var range = same && days.Count > 1 ? $"{days[0].Day} to {days[^1].Day}" : string.Join(", ", days.Select(d => d.Day));
        return $"{range}, {first.Opens:HH':'mm} to {first.Closes:HH':'mm}";
    }
}
