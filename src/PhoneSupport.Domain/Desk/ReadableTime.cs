using System.Globalization;
using NodaTime;
using NodaTime.Text;

namespace PhoneSupport.Domain.Desk;

/// <summary>
/// Instants and durations as people at the desk read them: in the viewer's zone, to the minute, the zone named
/// ("Mon 11 Jan 2027, 10:00 EST (America/New_York)"), and durations in words ("2 hours", "1 hour 30 minutes") rather
/// than ISO-8601 (<c>PT2H</c>). English only: the console is in English (the caller's words are <see cref="Calls.Speech"/>'s).
/// </summary>
public static class ReadableTime
{
    private static readonly LocalDateTimePattern Local = LocalDateTimePattern.CreateWithInvariantCulture("ddd d MMM uuuu, HH:mm");
    private static readonly LocalDateTimePattern InputPattern = LocalDateTimePattern.CreateWithInvariantCulture("uuuu-MM-dd'T'HH:mm");
    private static readonly LocalDateTimePattern InputWithSeconds = LocalDateTimePattern.CreateWithInvariantCulture("uuuu-MM-dd'T'HH:mm:ss");

    /// <summary>
    /// "Mon 11 Jan 2027, 10:00 EST (America/New_York)". The abbreviation is the zone interval's name in tzdb (EST/EDT,
    /// CET/CEST; zones without one show their offset, e.g. "+13"), so a DST change is visible; seconds are dropped, not rounded.
    /// </summary>
    public static string Format(Instant instant, DateTimeZone zone)
    {
        var zoned = instant.InZone(zone);
        return $"{Local.Format(zoned.LocalDateTime)} {zoned.GetZoneInterval().Name} ({zone.Id})";
    }

    /// <summary>The value of an <c>&lt;input type="datetime-local"&gt;</c> showing <paramref name="instant"/> in <paramref name="zone"/>.</summary>
    public static string InputValue(Instant instant, DateTimeZone zone) => InputPattern.Format(instant.InZone(zone).LocalDateTime);

    /// <summary>
    /// Reads a <c>datetime-local</c> value ("2026-11-01T01:30", seconds optional) as a wall time in <paramref name="zone"/>.
    /// Resolved leniently (NodaTime's <c>AtLeniently</c>): a time skipped by a DST gap moves forward by the gap (02:30 on a
    /// spring-forward night is 03:30), an ambiguous one (the repeated hour in autumn) is the earlier of the two. Null when
    /// the text is not such a value.
    /// </summary>
    public static Instant? ParseInput(string? text, DateTimeZone zone)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var parsed = InputPattern.Parse(text.Trim());
        if (!parsed.Success) parsed = InputWithSeconds.Parse(text.Trim());
        return parsed.Success ? zone.AtLeniently(parsed.Value).ToInstant() : null;
    }

    /// <summary>"2 hours", "15 minutes", "1 hour 30 minutes", "3 days 4 hours", "45 seconds"; at most the two largest units, whole units only.</summary>
    public static string Words(Duration duration)
    {
        if (duration < Duration.Zero) return "minus " + Words(-duration);
        var parts = new List<string>();
        var days = duration.Days;
        var hours = duration.Hours;
        var minutes = duration.Minutes;
        if (days > 0) parts.Add(Unit(days, "day"));
        if (hours > 0) parts.Add(Unit(hours, "hour"));
        if (minutes > 0) parts.Add(Unit(minutes, "minute"));
        if (parts.Count == 0) return Unit(duration.Seconds, "second");
        return string.Join(" ", parts.Take(2));
    }

    /// <summary>
    /// An ISO-8601 period as words: <c>PT2H</c> "2 hours", <c>PT15M</c> "15 minutes", <c>P1D</c> "1 day", <c>P1Y</c> "1 year";
    /// the text itself when it is not a period (so a caller never loses what was stored).
    /// </summary>
    public static string Words(string isoPeriod)
    {
        var parsed = PeriodPattern.NormalizingIso.Parse(isoPeriod);
        if (!parsed.Success) return isoPeriod;
        var p = parsed.Value.Normalize();
        var parts = new List<string>();
        if (p.Years != 0) parts.Add(Unit(p.Years, "year"));
        if (p.Months != 0) parts.Add(Unit(p.Months, "month"));
        if (p.Weeks != 0) parts.Add(Unit(p.Weeks, "week"));
        if (p.Days != 0) parts.Add(Unit(p.Days, "day"));
        if (p.Hours != 0) parts.Add(Unit(p.Hours, "hour"));
        if (p.Minutes != 0) parts.Add(Unit(p.Minutes, "minute"));
        if (p.Seconds != 0) parts.Add(Unit(p.Seconds, "second"));
        return parts.Count == 0 ? "0 minutes" : string.Join(" ", parts);
    }

    private static string Unit(long count, string unit) =>
        string.Create(CultureInfo.InvariantCulture, $"{count} {unit}{(count == 1 ? "" : "s")}");
}
