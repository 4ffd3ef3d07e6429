using FsCheck;
using FsCheck.Fluent;
using NodaTime;
using Interval = NodaTime.Interval;
using PhoneSupport.Domain.Policies;
using static PhoneSupport.Domain.Tests.Policies.ShippedPolicies;

namespace PhoneSupport.Domain.Tests.Policies;

public sealed class SlaClockTests
{
    /// <summary>Tuesday 2026-06-09 10:00 Zurich, inside coverage; the exam session runs 09:00–13:00 that day.</summary>
    private static readonly Instant Tuesday10 = Swiss(2026, 6, 9, 10, 0);

    private static readonly Interval Session = new(Swiss(2026, 6, 9, 9, 0), Swiss(2026, 6, 9, 13, 0));

    [Theory]
    [InlineData("Standard", 1, false, 240, 0, ClockKind.Coverage, 9, 14, 0)]
    [InlineData("Standard", 2, false, 480, 0, ClockKind.Coverage, 9, 18, 0)]
    [InlineData("Standard", 3, false, 0, 1, ClockKind.Coverage, 10, 10, 0)]
    [InlineData("Standard", 4, false, 0, 3, ClockKind.Coverage, 12, 10, 0)]
    [InlineData("Premier", 1, false, 15, 0, ClockKind.Wall, 9, 10, 15)]
    [InlineData("Premier", 2, false, 30, 0, ClockKind.Coverage, 9, 10, 30)]
    [InlineData("Premier", 3, false, 120, 0, ClockKind.Coverage, 9, 12, 0)]
    [InlineData("Premier", 4, false, 0, 1, ClockKind.Coverage, 10, 10, 0)]
    [InlineData("Proctored", 1, false, 240, 0, ClockKind.Coverage, 9, 14, 0)]
    [InlineData("Proctored", 2, false, 480, 0, ClockKind.Coverage, 9, 18, 0)]
    [InlineData("Proctored", 3, false, 0, 1, ClockKind.Coverage, 10, 10, 0)]
    [InlineData("Proctored", 4, false, 0, 3, ClockKind.Coverage, 12, 10, 0)]
    [InlineData("Proctored", 1, true, 15, 0, ClockKind.Wall, 9, 10, 15)]
    [InlineData("Proctored", 2, true, 45, 0, ClockKind.Wall, 9, 10, 45)]
    [InlineData("Proctored", 3, true, 240, 0, ClockKind.Wall, 9, 14, 0)]
    [InlineData("Proctored", 4, true, 0, 2, ClockKind.Wall, 11, 10, 0)]
    public void Decide_ConstructorResponseTable_GivesTargetClockAndDueInstant(string plan, int severity, bool inSession, int minutes, int businessDays, ClockKind clock, int dueDay, int dueHour, int dueMinute)
    {
        var request = new EntitlementRequest(plan, Tuesday10, severity, ExamSessions: inSession ? [Session] : null);

        var decision = EntitlementEngine.Decide(Constructor, request);

        Assert.Equal(Decision.LiveRoute, decision.Decision);
        Assert.Equal(new ResponseTarget(Duration.FromMinutes(minutes), businessDays), decision.Target);
        Assert.Equal(clock, decision.Clock);
        Assert.Equal(Swiss(2026, 6, dueDay, dueHour, dueMinute), decision.CallbackDueAt);
    }

    [Theory]
    [InlineData("Standard", 3, 2026, 6, 12, 19, 55, Decision.LiveRoute, ClockKind.Coverage, 2026, 6, 15, 19, 55)]
    [InlineData("Standard", 1, 2026, 6, 11, 18, 0, Decision.LiveRoute, ClockKind.Coverage, 2026, 6, 12, 10, 0)]
    [InlineData("Standard", 1, 2026, 6, 13, 11, 0, Decision.Callback, ClockKind.Coverage, 2026, 6, 15, 12, 0)]
    [InlineData("Standard", 1, 2026, 6, 14, 23, 30, Decision.Callback, ClockKind.Coverage, 2026, 6, 15, 12, 0)]
    [InlineData("Premier", 1, 2026, 6, 13, 2, 0, Decision.LiveRoute, ClockKind.Wall, 2026, 6, 13, 2, 15)]
    [InlineData("Standard", 3, 2026, 6, 10, 2, 0, Decision.Callback, ClockKind.Coverage, 2026, 6, 10, 20, 0)]
    [InlineData("Standard", 1, 2026, 6, 11, 16, 0, Decision.LiveRoute, ClockKind.Coverage, 2026, 6, 11, 20, 0)]
    public void Decide_ProductWorkedExamples_DueExactlyAsSpecified(string plan, int severity, int y, int mo, int d, int h, int mi, Decision expected, ClockKind clock, int dy, int dmo, int dd, int dh, int dmi)
    {
        var decision = EntitlementEngine.Decide(Constructor, new EntitlementRequest(plan, Swiss(y, mo, d, h, mi), severity));

        Assert.Equal(expected, decision.Decision);
        Assert.Equal(clock, decision.Clock);
        Assert.Equal(Swiss(dy, dmo, dd, dh, dmi), decision.CallbackDueAt);
    }

    /// <summary>Friday 19:00 Zurich + 4 coverage hours over both 2026 DST weekends: 1 hour on Friday, 3 on Monday from 08:00 local.</summary>
    [Theory]
    [InlineData(2026, 3, 27, 18, 2026, 3, 30, 9)]
    [InlineData(2026, 10, 23, 17, 2026, 10, 26, 10)]
    public void DueAt_CoverageClockOverDstWeekend_CountsLocalCoverageHours(int y, int mo, int d, int h, int dy, int dmo, int dd, int dh)
    {
        var clock = new SlaClock(ClockKind.Coverage, Constructor.Coverage, Duration.FromHours(12));
        var start = Instant.FromUtc(y, mo, d, h, 0);

        var due = clock.DueAt(start, ResponseTarget.Of(Duration.FromHours(4)));

        Assert.Equal(new LocalTime(19, 0), Local(start, Zurich).TimeOfDay);
        Assert.Equal(Instant.FromUtc(dy, dmo, dd, dh, 0), due);
        Assert.Equal(new LocalTime(11, 0), Local(due, Zurich).TimeOfDay);
        Assert.Equal(Duration.FromHours(4), clock.Remaining(start, due));
    }

    [Fact]
    public void DueAt_ConstellixCoverageClockOverHolidayWeekend_SkipsTheObservedHoliday()
    {
        var clock = new SlaClock(ClockKind.Coverage, Constellix.Coverage, Duration.FromHours(9));

        var due = clock.DueAt(Eastern(2026, 7, 2, 17, 0), ResponseTarget.Of(Duration.FromHours(2)));

        Assert.Equal(Eastern(2026, 7, 6, 10, 0), due);
    }

    [Fact]
    public void DueAt_WallClockDays_AddsTwentyFourHoursPerDay()
    {
        var clock = new SlaClock(ClockKind.Wall, Constructor.Coverage, Duration.FromHours(12));
        var start = Instant.FromUtc(2026, 3, 27, 18, 0);

        Assert.Equal(start + Duration.FromHours(48), clock.DueAt(start, ResponseTarget.Days(2)));
    }

    [Theory]
    [InlineData(2026, 6, 12, 19, 30, 210)]
    [InlineData(2026, 6, 13, 12, 0, 180)]
    [InlineData(2026, 6, 14, 23, 59, 180)]
    [InlineData(2026, 6, 15, 8, 0, 180)]
    [InlineData(2026, 6, 15, 10, 0, 60)]
    [InlineData(2026, 6, 15, 11, 0, 0)]
    [InlineData(2026, 6, 15, 12, 0, -60)]
    public void Remaining_RunningCoverageClockStartedFriday19_CountsOnlyCoverageTimeLeft(int y, int mo, int d, int h, int mi, int minutesLeft)
    {
        var clock = new SlaClock(ClockKind.Coverage, Constructor.Coverage, Duration.FromHours(12));
        var due = clock.DueAt(Swiss(2026, 6, 12, 19, 0), ResponseTarget.Of(Duration.FromHours(4)));

        Assert.Equal(Swiss(2026, 6, 15, 11, 0), due);
        Assert.Equal(Duration.FromMinutes(minutesLeft), clock.Remaining(Swiss(y, mo, d, h, mi), due));
    }

    [Fact]
    public void Remaining_WallClock_IsPlainTimeUntilDue()
    {
        var clock = new SlaClock(ClockKind.Wall, Constructor.Coverage, Duration.FromHours(12));
        var due = Swiss(2026, 6, 13, 2, 15);

        Assert.Equal(Duration.FromMinutes(10), clock.Remaining(Swiss(2026, 6, 13, 2, 5), due));
    }

    [Fact]
    public void DueAt_RandomStartsAndTargetsOnCoverageClock_AreInsideCoverageOrAtItsClosing()
    {
        var clocks = new[]
        {
            (Constellix.Coverage, new SlaClock(ClockKind.Coverage, Constellix.Coverage, Duration.FromHours(9)), Duration.FromHours(9)),
            (Constructor.Coverage, new SlaClock(ClockKind.Coverage, Constructor.Coverage, Duration.FromHours(12)), Duration.FromHours(12)),
        };
        var cases =
            from seconds in Gen.Choose(0, 220_000_000)
            from which in Gen.Choose(0, 1)
            from minutes in Gen.Choose(0, 3 * 12 * 60)
            from days in Gen.Choose(0, 3)
            select (Start: Instant.FromUtc(2024, 1, 1, 0, 0) + Duration.FromSeconds(seconds), Which: which, Target: new ResponseTarget(Duration.FromMinutes(minutes), days));

        var property = Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var (calendar, clock, businessDay) = clocks[c.Which];
            var due = clock.DueAt(c.Start, c.Target);
            var insideOrClosing = calendar.IsCovered(due) || (calendar.IsCovered(due - Duration.Epsilon) && !calendar.IsCovered(due));
            var total = c.Target.Duration + businessDay * c.Target.BusinessDays;
            return due >= c.Start && insideOrClosing && clock.Remaining(c.Start, due) == total;
        });

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(1000), property);
    }
}
