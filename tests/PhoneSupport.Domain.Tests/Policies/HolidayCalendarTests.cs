using NodaTime;
using PhoneSupport.Domain.Policies;
using static PhoneSupport.Domain.Tests.Policies.ShippedPolicies;

namespace PhoneSupport.Domain.Tests.Policies;

public sealed class HolidayCalendarTests
{
    private static HolidayCalendar Federal => Constellix.Coverage.Holidays;

    [Fact]
    public void In_2026_ListsTheElevenObservedFederalHolidays()
    {
        (LocalDate, string)[] expected =
        [
            (new(2026, 1, 1), "New Year's Day"),
            (new(2026, 1, 19), "Birthday of Martin Luther King, Jr."),
            (new(2026, 2, 16), "Washington's Birthday"),
            (new(2026, 5, 25), "Memorial Day"),
            (new(2026, 6, 19), "Juneteenth National Independence Day"),
            (new(2026, 7, 3), "Independence Day"),
            (new(2026, 9, 7), "Labor Day"),
            (new(2026, 10, 12), "Columbus Day"),
            (new(2026, 11, 11), "Veterans Day"),
            (new(2026, 11, 26), "Thanksgiving Day"),
            (new(2026, 12, 25), "Christmas Day"),
        ];

        Assert.Equal(expected, Federal.In(2026));
    }

    [Fact]
    public void In_2027_ObservesWeekendHolidaysOnFridayOrMondayIncludingNewYear2028()
    {
        (LocalDate, string)[] expected =
        [
            (new(2027, 1, 1), "New Year's Day"),
            (new(2027, 1, 18), "Birthday of Martin Luther King, Jr."),
            (new(2027, 2, 15), "Washington's Birthday"),
            (new(2027, 5, 31), "Memorial Day"),
            (new(2027, 6, 18), "Juneteenth National Independence Day"),
            (new(2027, 7, 5), "Independence Day"),
            (new(2027, 9, 6), "Labor Day"),
            (new(2027, 10, 11), "Columbus Day"),
            (new(2027, 11, 11), "Veterans Day"),
            (new(2027, 11, 25), "Thanksgiving Day"),
            (new(2027, 12, 24), "Christmas Day"),
            (new(2027, 12, 31), "New Year's Day"),
        ];

        Assert.Equal(expected, Federal.In(2027));
    }

    [Fact]
    public void In_2028_HasNoJanuaryFirstBecauseItWasObservedTheFridayBefore()
    {
        var holidays = Federal.In(2028).ToList();

        Assert.DoesNotContain(holidays, h => h.Date == new LocalDate(2028, 1, 1));
        Assert.Equal((new LocalDate(2028, 1, 17), "Birthday of Martin Luther King, Jr."), holidays[0]);
        Assert.Equal(10, holidays.Count);
    }

    [Theory]
    [InlineData("2026-07-03", "Independence Day")]
    [InlineData("2026-07-04", null)]
    [InlineData("2027-12-24", "Christmas Day")]
    [InlineData("2027-12-25", null)]
    [InlineData("2027-12-31", "New Year's Day")]
    [InlineData("2028-01-01", null)]
    [InlineData("2027-07-05", "Independence Day")]
    [InlineData("2027-07-04", null)]
    [InlineData("2026-01-19", "Birthday of Martin Luther King, Jr.")]
    [InlineData("2026-05-25", "Memorial Day")]
    [InlineData("2026-05-18", null)]
    [InlineData("2026-11-26", "Thanksgiving Day")]
    [InlineData("2026-11-19", null)]
    [InlineData("2021-06-18", "Juneteenth National Independence Day")]
    [InlineData("2020-06-19", null)]
    [InlineData("2019-06-19", null)]
    [InlineData("2026-12-24", null)]
    public void HolidayOn_FederalCalendar_ReturnsObservedHolidayOrNull(string date, string? expected)
    {
        Assert.Equal(expected, Federal.HolidayOn(LocalDatePattern(date)));
    }

    [Fact]
    public void In_2020_HasNoJuneteenthBecauseTheRuleStartsIn2021()
    {
        Assert.DoesNotContain(Federal.In(2020), h => h.Name.StartsWith("Juneteenth", StringComparison.Ordinal));
        Assert.Equal(10, Federal.In(2020).Count());
        Assert.Contains((new LocalDate(2021, 6, 18), "Juneteenth National Independence Day"), Federal.In(2021));
        Assert.Contains((new LocalDate(2021, 12, 31), "New Year's Day"), Federal.In(2021));
    }

    [Theory]
    [InlineData(2026, 7, 3, Window.Holiday)]
    [InlineData(2026, 7, 4, Window.Weekend)]
    [InlineData(2027, 7, 4, Window.Weekend)]
    [InlineData(2027, 7, 5, Window.Holiday)]
    [InlineData(2027, 12, 25, Window.Weekend)]
    [InlineData(2028, 1, 1, Window.Weekend)]
    [InlineData(2027, 12, 31, Window.Holiday)]
    public void WindowAt_HolidayOnSaturdayOrSunday_ObservedWeekdayIsHolidayAndActualDayIsWeekend(int year, int month, int day, Window expected)
    {
        Assert.Equal(expected, Constellix.Coverage.WindowAt(Eastern(year, month, day, 12, 0)));
    }

    [Fact]
    public void HolidayOn_ExplicitDate_IsAHolidayEvenOnAWeekend()
    {
        var calendar = new HolidayCalendar([], [(new LocalDate(2026, 12, 24), "Christmas Eve"), (new LocalDate(2026, 12, 26), "Boxing Day")], IsoDayOfWeek.Friday, IsoDayOfWeek.Monday);

        Assert.Equal("Christmas Eve", calendar.HolidayOn(new LocalDate(2026, 12, 24)));
        Assert.Equal("Boxing Day", calendar.HolidayOn(new LocalDate(2026, 12, 26)));
        Assert.Null(calendar.HolidayOn(new LocalDate(2026, 12, 25)));
    }

    [Fact]
    public void HolidayOn_December31OnASunday_IsObservedOnMondayJanuary1OfTheNextYear()
    {
        var calendar = new HolidayCalendar([new HolidayRule("New Year's Eve", 12, 31, null, null, null)], [], IsoDayOfWeek.Friday, IsoDayOfWeek.Monday);

        Assert.Equal("New Year's Eve", calendar.HolidayOn(new LocalDate(2024, 1, 1)));
        Assert.Null(calendar.HolidayOn(new LocalDate(2023, 12, 31)));
        Assert.Equal([(new LocalDate(2024, 1, 1), "New Year's Eve"), (new LocalDate(2024, 12, 31), "New Year's Eve")], calendar.In(2024));
    }

    [Fact]
    public void HolidayOn_NoObservedRule_KeepsTheActualWeekendDate()
    {
        var calendar = new HolidayCalendar([new HolidayRule("Independence Day", 7, 4, null, null, null)], [], null, null);

        Assert.Equal("Independence Day", calendar.HolidayOn(new LocalDate(2026, 7, 4)));
        Assert.Null(calendar.HolidayOn(new LocalDate(2026, 7, 3)));
    }

    [Fact]
    public void Parse_PolicyWithExtraClosureDate_ClassifiesThatDateAsHoliday()
    {
        var text = Text(ConstellixFile).Replace("  dates: []", "  dates:\n    - { date: 2026-12-24, name: \"Christmas Eve\" }", StringComparison.Ordinal);

        var (policy, errors) = PolicyParser.Parse(ConstellixFile, text);

        Assert.Empty(errors);
        Assert.Equal(Window.Holiday, policy!.Coverage.WindowAt(Eastern(2026, 12, 24, 10, 0)));
        Assert.Equal("Christmas Eve", policy.Coverage.Holidays.HolidayOn(new LocalDate(2026, 12, 24)));
        Assert.Equal(Window.Business, Constellix.Coverage.WindowAt(Eastern(2026, 12, 24, 10, 0)));
    }

    [Theory]
    [InlineData(2026, 1, 19)]
    [InlineData(2027, 1, 18)]
    [InlineData(2030, 1, 21)]
    public void HolidayRule_ThirdMondayOfJanuary_ComputesMartinLutherKingDay(int year, int month, int day)
    {
        var rule = new HolidayRule("MLK", 1, null, IsoDayOfWeek.Monday, 3, null);

        Assert.Equal(new LocalDate(year, month, day), rule.DateIn(year));
    }

    [Theory]
    [InlineData(2026, 25)]
    [InlineData(2027, 31)]
    [InlineData(2028, 29)]
    public void HolidayRule_LastMondayOfMay_ComputesMemorialDay(int year, int day)
    {
        var rule = new HolidayRule("Memorial Day", 5, null, IsoDayOfWeek.Monday, -1, null);

        Assert.Equal(new LocalDate(year, 5, day), rule.DateIn(year));
    }

    private static LocalDate LocalDatePattern(string text) => NodaTime.Text.LocalDatePattern.Iso.Parse(text).Value;
}
