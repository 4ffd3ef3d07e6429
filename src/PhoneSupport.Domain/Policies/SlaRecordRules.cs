using NodaTime;
using NodaTime.Text;

namespace PhoneSupport.Domain.Policies;

/// <summary>
/// The rules of an SLA record (a response target of a plan with <c>targets</c>): whether it was met, how much time is
/// left on its clock, and how its target is written. Pure: the instant is passed in.
/// </summary>
public static class SlaRecordRules
{
    /// <summary>
    /// <c>true</c> when the first human contact came by <paramref name="dueAt"/>; <c>false</c> when it came later, or
    /// <paramref name="dueAt"/> has passed without one; <c>null</c> while neither is known yet.
    /// </summary>
    public static bool? Met(Instant dueAt, Instant? firstContactAt, Instant now) =>
        firstContactAt is { } contact ? contact <= dueAt : now > dueAt ? false : null;

    /// <summary>
    /// Time left until <paramref name="dueAt"/> counted on the record's clock: coverage hours only on the coverage clock (a
    /// Standard severity 1 callback promised Thursday 18:00 is due Friday 10:00 and has 3 hours left at Thursday 19:00, not 15),
    /// every hour on the wall clock. Negative when late.
    /// </summary>
    public static Duration Left(ClockKind clock, CoverageCalendar coverage, Instant now, Instant dueAt) =>
        new SlaClock(clock, coverage, Duration.FromHours(24)).Remaining(now, dueAt);

    /// <summary>The target as an ISO-8601 duration, as the policy file writes it: <c>PT15M</c>, <c>PT4H</c>, <c>P1D</c> (business days on the coverage clock).</summary>
    public static string Iso(ResponseTarget target) =>
        PeriodPattern.NormalizingIso.Format((Period.FromDays(target.BusinessDays) + Period.FromSeconds((long)target.Duration.TotalSeconds)).Normalize());

    /// <summary>How the API names a clock: <c>24x7</c> or <c>coverage</c>.</summary>
    public static string Name(ClockKind clock) => clock == ClockKind.Wall ? "24x7" : "coverage";

    public static ClockKind? ParseClock(string? name) => name switch { "24x7" or "wall" => ClockKind.Wall, "coverage" => ClockKind.Coverage, _ => null };
}
