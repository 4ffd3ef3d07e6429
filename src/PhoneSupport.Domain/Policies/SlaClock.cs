using NodaTime;

namespace PhoneSupport.Domain.Policies;

/// <summary>How a response target counts time: every hour (<see cref="Wall"/>) or coverage hours only.</summary>
public enum ClockKind { Wall, Coverage }

/// <summary>
/// A response target as the policy states it: a duration, or whole business days. On the coverage clock a
/// business day is the coverage of one business day (12 hours for 08:00–20:00); on the wall clock, 24 hours.
/// </summary>
public sealed record ResponseTarget(Duration Duration, int BusinessDays)
{
    public static ResponseTarget Of(Duration duration) => new(duration, 0);

    public static ResponseTarget Days(int days) => new(Duration.Zero, days);

    public override string ToString() => BusinessDays > 0 ? $"{BusinessDays} business day{(BusinessDays == 1 ? "" : "s")}" : Spoken(Duration);

    /// <summary>"15 minutes", "4 hours", "1 hour 30 minutes".</summary>
    public static string Spoken(Duration d)
    {
        var hours = (int)d.TotalHours;
        var minutes = d.Minutes;
        var h = hours == 0 ? "" : $"{hours} hour{(hours == 1 ? "" : "s")}";
        var m = minutes == 0 ? "" : $"{minutes} minute{(minutes == 1 ? "" : "s")}";
        return string.Join(" ", new[] { h, m }.Where(s => s.Length > 0)) is { Length: > 0 } text ? text : "0 minutes";
    }
}

/// <summary>Due instants and time left for response targets, on the wall clock or the coverage clock.</summary>
public sealed class SlaClock(ClockKind kind, CoverageCalendar calendar, Duration businessDayLength)
{
    public ClockKind Kind { get; } = kind;

    /// <summary>
    /// When a target started at <paramref name="start"/> is due. On the coverage clock only coverage hours
    /// count: a clock started outside coverage starts at the next opening, and a target used up exactly at
    /// a closing time is due at that closing time (not the next opening).
    /// </summary>
    public Instant DueAt(Instant start, ResponseTarget target)
    {
        if (Kind == ClockKind.Wall) return start + target.Duration + Duration.FromDays(target.BusinessDays);
        var remaining = target.Duration + businessDayLength * target.BusinessDays;
        foreach (var interval in calendar.IntervalsFrom(start))
        {
            if (remaining <= interval.Duration) return interval.Start + remaining;
            remaining -= interval.Duration;
        }
        throw new InvalidOperationException("The coverage calendar has no hours within ten years.");
    }

    /// <summary>The time left until <paramref name="due"/>, counted on this clock (negative when late).</summary>
    public Duration Remaining(Instant now, Instant due)
    {
        if (Kind == ClockKind.Wall || now >= due) return due - now;
        var left = Duration.Zero;
        foreach (var interval in calendar.IntervalsFrom(now))
        {
            if (interval.Start >= due) break;
            left += (interval.End < due ? interval.End : due) - interval.Start;
        }
        return left;
    }
}
