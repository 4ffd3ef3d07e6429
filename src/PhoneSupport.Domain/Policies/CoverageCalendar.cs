using System.Collections.Immutable;
using NodaTime;

namespace PhoneSupport.Domain.Policies;

/// <summary>Opening hours on one weekday, local time, start inclusive, end exclusive.</summary>
public sealed record DailyHours(IsoDayOfWeek Day, LocalTime Opens, LocalTime Closes);

/// <summary>
/// When live support is staffed: weekly hours in an IANA zone, minus the holidays. All decisions about an
/// instant are made in the policy's zone, so DST changes move the boundaries with the local clock.
/// </summary>
public sealed class CoverageCalendar(DateTimeZone zone, IEnumerable<DailyHours> hours, HolidayCalendar holidays)
{
    private readonly ImmutableDictionary<IsoDayOfWeek, DailyHours> _hours = hours.ToImmutableDictionary(h => h.Day);

    public DateTimeZone Zone { get; } = zone;
    public HolidayCalendar Holidays { get; } = holidays;

    /// <summary>The staffed hours by weekday, Monday first (for speaking them in a caller's language).</summary>
    public IReadOnlyList<DailyHours> WeeklyHours => [.. _hours.Values.OrderBy(h => h.Day)];

    public Window WindowAt(Instant instant)
    {
        var local = instant.InZone(Zone).LocalDateTime;
        if (Holidays.IsHoliday(local.Date)) return Window.Holiday;
        if (local.DayOfWeek is IsoDayOfWeek.Saturday or IsoDayOfWeek.Sunday) return Window.Weekend;
        return _hours.TryGetValue(local.DayOfWeek, out var day) && local.TimeOfDay >= day.Opens && local.TimeOfDay < day.Closes
            ? Window.Business
            : Window.Night;
    }

    public bool IsCovered(Instant instant) => WindowAt(instant) == Window.Business;

    /// <summary>
    /// The coverage intervals from the one containing (or following) <paramref name="from"/> onwards, as
    /// instants. A local opening time that falls in a DST gap opens at the first valid instant after it.
    /// </summary>
    public IEnumerable<Interval> IntervalsFrom(Instant from)
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
