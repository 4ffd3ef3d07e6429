using FsCheck;
using FsCheck.Fluent;
using NodaTime;
using PhoneSupport.Domain.Policies;
using static PhoneSupport.Domain.Tests.Policies.ShippedPolicies;

namespace PhoneSupport.Domain.Tests.Policies;

public sealed class ContractYearTests
{
    private static readonly LocalDate StartsOn = new(2025, 3, 15);

    [Theory]
    [InlineData(2025, 3, 15, 0, 0, 0, 1, 2025)]
    [InlineData(2025, 11, 2, 12, 0, 0, 1, 2025)]
    [InlineData(2026, 3, 14, 23, 59, 59, 1, 2025)]
    [InlineData(2026, 3, 15, 0, 0, 0, 2, 2026)]
    [InlineData(2026, 3, 15, 10, 0, 0, 2, 2026)]
    [InlineData(2027, 3, 14, 23, 59, 59, 2, 2026)]
    [InlineData(2027, 3, 15, 0, 0, 0, 3, 2027)]
    public void For_InstantAroundAnniversary_YearRunsFromMidnightEasternEndExclusive(int y, int mo, int d, int h, int mi, int s, int number, int startYear)
    {
        var (start, end, n) = ContractYear.For(StartsOn, Eastern(y, mo, d, h, mi, s), NewYork);

        Assert.Equal(number, n);
        Assert.Equal(Eastern(startYear, 3, 15, 0, 0), start);
        Assert.Equal(Eastern(startYear + 1, 3, 15, 0, 0), end);
    }

    [Theory]
    [InlineData(2026, 3, 15, 3, 59, 59, 1)]
    [InlineData(2026, 3, 15, 4, 0, 0, 2)]
    public void For_UtcInstantOnAnniversary_IsDecidedByEasternLocalDate(int y, int mo, int d, int h, int mi, int s, int number)
    {
        var at = Instant.FromUtc(y, mo, d, h, mi, s);

        Assert.Equal(number, ContractYear.For(StartsOn, at, NewYork).Number);
    }

    [Fact]
    public void For_IncidentOnTheAnniversaryItself_BelongsToTheNewYear()
    {
        var first = ContractYear.For(StartsOn, Eastern(2026, 3, 14, 22, 0), NewYork);

        var onAnniversary = ContractYear.For(StartsOn, first.End, NewYork);

        Assert.Equal(first.Number + 1, onAnniversary.Number);
        Assert.Equal(first.End, onAnniversary.Start);
    }

    [Theory]
    [InlineData(2024, 2, 29, 0, 1, 2024, 2, 29, 2025, 2, 28)]
    [InlineData(2025, 2, 27, 23, 1, 2024, 2, 29, 2025, 2, 28)]
    [InlineData(2025, 2, 28, 0, 2, 2025, 2, 28, 2026, 2, 28)]
    [InlineData(2026, 2, 28, 0, 3, 2026, 2, 28, 2027, 2, 28)]
    [InlineData(2027, 2, 28, 0, 4, 2027, 2, 28, 2028, 2, 29)]
    [InlineData(2028, 2, 28, 12, 4, 2027, 2, 28, 2028, 2, 29)]
    [InlineData(2028, 2, 29, 0, 5, 2028, 2, 29, 2029, 2, 28)]
    public void For_LeapDayStart_UsesFebruary28InCommonYearsAndFebruary29InLeapYears(int y, int mo, int d, int h, int number, int sy, int smo, int sd, int ey, int emo, int ed)
    {
        var (start, end, n) = ContractYear.For(new LocalDate(2024, 2, 29), Eastern(y, mo, d, h, 0), NewYork);

        Assert.Equal(number, n);
        Assert.Equal(Eastern(sy, smo, sd, 0, 0), start);
        Assert.Equal(Eastern(ey, emo, ed, 0, 0), end);
    }

    [Fact]
    public void For_RandomStartsAndInstants_ContainsTheInstantAndChainsToTheNextYear()
    {
        var cases =
            from startDay in Gen.Choose(0, 3000)
            from seconds in Gen.Choose(0, 200_000_000)
            select (StartsOn: new LocalDate(2020, 1, 1).PlusDays(startDay), Offset: Duration.FromSeconds(seconds));

        var property = Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var at = NewYork.AtStartOfDay(c.StartsOn).ToInstant() + c.Offset;
            var (start, end, n) = ContractYear.For(c.StartsOn, at, NewYork);
            var next = ContractYear.For(c.StartsOn, end, NewYork);
            var startLocal = start.InZone(NewYork).LocalDateTime;
            return start <= at && at < end && next.Start == end && next.Number == n + 1
                && startLocal.TimeOfDay == LocalTime.Midnight
                && startLocal.Month == c.StartsOn.Month
                && startLocal.Year == c.StartsOn.Year + n - 1;
        });

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(500), property);
    }
}
