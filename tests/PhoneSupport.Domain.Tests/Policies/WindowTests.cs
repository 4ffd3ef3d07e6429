using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using NodaTime;
using PhoneSupport.Domain.Policies;
using static PhoneSupport.Domain.Tests.Policies.ShippedPolicies;

namespace PhoneSupport.Domain.Tests.Policies;

public sealed class WindowTests
{
    [Theory]
    [InlineData(2026, 6, 12, 17, 59, 59, Window.Business)]
    [InlineData(2026, 6, 12, 18, 0, 0, Window.Night)]
    [InlineData(2026, 6, 12, 8, 59, 59, Window.Night)]
    [InlineData(2026, 6, 12, 9, 0, 0, Window.Business)]
    [InlineData(2026, 6, 12, 0, 0, 0, Window.Night)]
    [InlineData(2026, 6, 13, 10, 0, 0, Window.Weekend)]
    [InlineData(2026, 6, 13, 0, 0, 0, Window.Weekend)]
    [InlineData(2026, 6, 14, 23, 59, 59, Window.Weekend)]
    [InlineData(2026, 7, 3, 0, 0, 0, Window.Holiday)]
    [InlineData(2026, 7, 3, 10, 0, 0, Window.Holiday)]
    [InlineData(2026, 7, 3, 23, 59, 59, Window.Holiday)]
    [InlineData(2026, 7, 2, 23, 59, 59, Window.Night)]
    [InlineData(2026, 11, 26, 12, 0, 0, Window.Holiday)]
    public void WindowAt_ConstellixEasternLocalTime_ClassifiesStartInclusiveEndExclusive(int y, int mo, int d, int h, int mi, int s, Window expected)
    {
        Assert.Equal(expected, Constellix.Coverage.WindowAt(Eastern(y, mo, d, h, mi, s)));
    }

    [Theory]
    [InlineData(2026, 6, 12, 7, 59, 59, Window.Night)]
    [InlineData(2026, 6, 12, 8, 0, 0, Window.Business)]
    [InlineData(2026, 6, 12, 19, 59, 59, Window.Business)]
    [InlineData(2026, 6, 12, 20, 0, 0, Window.Night)]
    [InlineData(2026, 6, 13, 12, 0, 0, Window.Weekend)]
    [InlineData(2026, 7, 3, 12, 0, 0, Window.Business)]
    public void WindowAt_ConstructorZurichLocalTime_ClassifiesEightToEight(int y, int mo, int d, int h, int mi, int s, Window expected)
    {
        Assert.Equal(expected, Constructor.Coverage.WindowAt(Swiss(y, mo, d, h, mi, s)));
    }

    /// <summary>UTC instants around both DST changes in New York (2026-03-08, 2026-11-01): the local clock moves the boundaries.</summary>
    [Theory]
    [InlineData(2026, 3, 8, 6, 59, 59, Window.Weekend, "01:59:59")]
    [InlineData(2026, 3, 8, 7, 0, 0, Window.Weekend, "03:00:00")]
    [InlineData(2026, 3, 6, 13, 59, 59, Window.Night, "08:59:59")]
    [InlineData(2026, 3, 6, 14, 0, 0, Window.Business, "09:00:00")]
    [InlineData(2026, 3, 6, 23, 0, 0, Window.Night, "18:00:00")]
    [InlineData(2026, 3, 9, 12, 59, 59, Window.Night, "08:59:59")]
    [InlineData(2026, 3, 9, 13, 0, 0, Window.Business, "09:00:00")]
    [InlineData(2026, 3, 9, 21, 59, 59, Window.Business, "17:59:59")]
    [InlineData(2026, 3, 9, 22, 0, 0, Window.Night, "18:00:00")]
    [InlineData(2026, 11, 1, 5, 30, 0, Window.Weekend, "01:30:00")]
    [InlineData(2026, 11, 1, 6, 30, 0, Window.Weekend, "01:30:00")]
    [InlineData(2026, 10, 30, 13, 0, 0, Window.Business, "09:00:00")]
    [InlineData(2026, 10, 30, 22, 0, 0, Window.Night, "18:00:00")]
    [InlineData(2026, 11, 2, 13, 0, 0, Window.Night, "08:00:00")]
    [InlineData(2026, 11, 2, 14, 0, 0, Window.Business, "09:00:00")]
    [InlineData(2026, 11, 2, 22, 59, 59, Window.Business, "17:59:59")]
    [InlineData(2026, 11, 2, 23, 0, 0, Window.Night, "18:00:00")]
    public void WindowAt_NewYorkDstChange_FollowsTheLocalClock(int y, int mo, int d, int h, int mi, int s, Window expected, string localTime)
    {
        var instant = Instant.FromUtc(y, mo, d, h, mi, s);

        Assert.Equal(localTime, Local(instant, NewYork).TimeOfDay.ToString("HH:mm:ss", CultureInfo.InvariantCulture));
        Assert.Equal(expected, Constellix.Coverage.WindowAt(instant));
    }

    /// <summary>UTC instants around both DST changes in Zurich (2026-03-29, 2026-10-25).</summary>
    [Theory]
    [InlineData(2026, 3, 29, 0, 59, 59, Window.Weekend, "01:59:59")]
    [InlineData(2026, 3, 29, 1, 0, 0, Window.Weekend, "03:00:00")]
    [InlineData(2026, 3, 27, 7, 0, 0, Window.Business, "08:00:00")]
    [InlineData(2026, 3, 27, 19, 0, 0, Window.Night, "20:00:00")]
    [InlineData(2026, 3, 30, 5, 59, 59, Window.Night, "07:59:59")]
    [InlineData(2026, 3, 30, 6, 0, 0, Window.Business, "08:00:00")]
    [InlineData(2026, 3, 30, 17, 59, 59, Window.Business, "19:59:59")]
    [InlineData(2026, 3, 30, 18, 0, 0, Window.Night, "20:00:00")]
    [InlineData(2026, 10, 25, 0, 30, 0, Window.Weekend, "02:30:00")]
    [InlineData(2026, 10, 25, 1, 30, 0, Window.Weekend, "02:30:00")]
    [InlineData(2026, 10, 23, 6, 0, 0, Window.Business, "08:00:00")]
    [InlineData(2026, 10, 23, 18, 0, 0, Window.Night, "20:00:00")]
    [InlineData(2026, 10, 26, 6, 59, 59, Window.Night, "07:59:59")]
    [InlineData(2026, 10, 26, 7, 0, 0, Window.Business, "08:00:00")]
    [InlineData(2026, 10, 26, 18, 59, 59, Window.Business, "19:59:59")]
    [InlineData(2026, 10, 26, 19, 0, 0, Window.Night, "20:00:00")]
    public void WindowAt_ZurichDstChange_FollowsTheLocalClock(int y, int mo, int d, int h, int mi, int s, Window expected, string localTime)
    {
        var instant = Instant.FromUtc(y, mo, d, h, mi, s);

        Assert.Equal(localTime, Local(instant, Zurich).TimeOfDay.ToString("HH:mm:ss", CultureInfo.InvariantCulture));
        Assert.Equal(expected, Constructor.Coverage.WindowAt(instant));
    }

    [Theory]
    [InlineData(true, 2026, 3, 6, 23, 2026, 3, 9, 13, 62)]
    [InlineData(true, 2026, 10, 30, 22, 2026, 11, 2, 14, 64)]
    [InlineData(false, 2026, 3, 27, 19, 2026, 3, 30, 6, 59)]
    [InlineData(false, 2026, 10, 23, 18, 2026, 10, 26, 7, 61)]
    public void NextOpening_FromFridayCloseOverDstWeekend_IsMondayOpeningLocalTime(bool constellix, int y, int mo, int d, int h, int oy, int omo, int od, int oh, int hoursClosed)
    {
        var calendar = (constellix ? Constellix : Constructor).Coverage;
        var close = Instant.FromUtc(y, mo, d, h, 0);

        var opening = calendar.NextOpening(close);

        Assert.Equal(Instant.FromUtc(oy, omo, od, oh, 0), opening);
        Assert.Equal(Duration.FromHours(hoursClosed), opening - close);
    }

    [Theory]
    [InlineData(2026, 6, 13, 12, 0, 2026, 6, 15)]
    [InlineData(2026, 7, 2, 18, 0, 2026, 7, 6)]
    [InlineData(2026, 7, 3, 9, 0, 2026, 7, 6)]
    [InlineData(2027, 12, 23, 20, 0, 2027, 12, 27)]
    public void NextOpening_ConstellixOutsideCoverage_SkipsWeekendsAndHolidaysToNineAm(int y, int mo, int d, int h, int mi, int oy, int omo, int od)
    {
        Assert.Equal(Eastern(oy, omo, od, 9, 0), Constellix.Coverage.NextOpening(Eastern(y, mo, d, h, mi)));
    }

    [Fact]
    public void NextOpening_InsideCoverage_IsTheInstantItself()
    {
        var at = Eastern(2026, 6, 12, 14, 30);

        Assert.Equal(at, Constellix.Coverage.NextOpening(at));
    }

    [Fact]
    public void WindowAt_RandomInstants2024To2030_AgreesWithIndependentClassification()
    {
        var property = Prop.ForAll(Instants.ToArbitrary(), instant =>
            Agrees(Constellix, "America/New_York", 9, 18, FederalHolidayOracle.IsHoliday, instant)
            && Agrees(Constructor, "Europe/Zurich", 8, 20, _ => false, instant));

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(2000), property);
    }

    /// <summary>Uniform instants across 2024–2030, plus local times right at the hour boundaries and DST changes.</summary>
    private static readonly Gen<Instant> Instants = Gen.Frequency(
        (1, Gen.Choose(0, 220_000_000).Select(seconds => Instant.FromUtc(2024, 1, 1, 0, 0) + Duration.FromSeconds(seconds))),
        (1, from day in Gen.Choose(0, 2556)
            from zone in Gen.Elements(NewYork, Zurich)
            from time in Gen.Elements(
                new LocalTime(7, 59, 59), new LocalTime(8, 0), new LocalTime(8, 59, 59), new LocalTime(9, 0),
                new LocalTime(17, 59, 59), new LocalTime(18, 0), new LocalTime(19, 59, 59), new LocalTime(20, 0),
                new LocalTime(0, 0), new LocalTime(23, 59, 59), new LocalTime(1, 30), new LocalTime(2, 30))
            select zone.AtLeniently(new LocalDate(2024, 1, 1).PlusDays(day) + time).ToInstant()));

    /// <summary>Classifies with the BCL's own time-zone data and a separately written holiday list, not NodaTime.</summary>
    private static bool Agrees(SupportPolicy policy, string zoneId, int opens, int closes, Func<DateOnly, bool> isHoliday, Instant instant)
    {
        var local = TimeZoneInfo.ConvertTimeFromUtc(instant.ToDateTimeUtc(), TimeZoneInfo.FindSystemTimeZoneById(zoneId));
        var date = DateOnly.FromDateTime(local);
        var expected = isHoliday(date) ? Window.Holiday
            : local.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday ? Window.Weekend
            : local.Hour >= opens && local.Hour < closes ? Window.Business
            : Window.Night;
        var actual = policy.Coverage.WindowAt(instant);
        return Enum.IsDefined(actual) && actual == expected && policy.Coverage.IsCovered(instant) == (expected == Window.Business);
    }
}

/// <summary>US federal holidays (5 U.S.C. 6103) with observed dates, written independently of the domain's rules.</summary>
internal static class FederalHolidayOracle
{
    public static bool IsHoliday(DateOnly date) =>
        Actual(date.Year).Concat(Actual(date.Year + 1)).Select(Observed).Contains(date);

    public static bool IsHoliday(LocalDate date) => IsHoliday(new DateOnly(date.Year, date.Month, date.Day));

    private static IEnumerable<DateOnly> Actual(int y)
    {
        yield return new DateOnly(y, 1, 1);
        yield return Nth(y, 1, DayOfWeek.Monday, 3);
        yield return Nth(y, 2, DayOfWeek.Monday, 3);
        yield return Last(y, 5, DayOfWeek.Monday);
        if (y >= 2021) yield return new DateOnly(y, 6, 19);
        yield return new DateOnly(y, 7, 4);
        yield return Nth(y, 9, DayOfWeek.Monday, 1);
        yield return Nth(y, 10, DayOfWeek.Monday, 2);
        yield return new DateOnly(y, 11, 11);
        yield return Nth(y, 11, DayOfWeek.Thursday, 4);
        yield return new DateOnly(y, 12, 25);
    }

    private static DateOnly Observed(DateOnly d) => d.DayOfWeek switch
    {
        DayOfWeek.Saturday => d.AddDays(-1),
        DayOfWeek.Sunday => d.AddDays(1),
        _ => d,
    };

    private static DateOnly Nth(int y, int month, DayOfWeek day, int n)
    {
        var first = new DateOnly(y, month, 1);
        return first.AddDays(((int)day - (int)first.DayOfWeek + 7) % 7 + 7 * (n - 1));
    }

    private static DateOnly Last(int y, int month, DayOfWeek day)
    {
        var last = new DateOnly(y, month, DateTime.DaysInMonth(y, month));
        return last.AddDays(-(((int)last.DayOfWeek - (int)day + 7) % 7));
    }
}
