using NodaTime;
using PhoneSupport.Domain.Desk;

namespace PhoneSupport.Domain.Tests.Desk;

public sealed class ReadableTimeTests
{
    private static readonly DateTimeZone NewYork = DateTimeZoneProviders.Tzdb["America/New_York"];
    private static readonly DateTimeZone Zurich = DateTimeZoneProviders.Tzdb["Europe/Zurich"];

    [Fact]
    public void Format_InTheViewersZone_ToTheMinute_WithTheZoneNamed()
    {
        // The account page's "2027-01-11T10:00:32.9643448 local" of the issue.
        var instant = Instant.FromUtc(2027, 1, 11, 15, 0, 32) + Duration.FromTicks(9643448);

        Assert.Equal("Mon 11 Jan 2027, 10:00 EST (America/New_York)", ReadableTime.Format(instant, NewYork));
        Assert.Equal("Mon 11 Jan 2027, 16:00 CET (Europe/Zurich)", ReadableTime.Format(instant, Zurich));
    }

    [Fact]
    public void Format_NamesSummerTime()
    {
        Assert.Equal("Wed 1 Jul 2026, 10:00 EDT (America/New_York)", ReadableTime.Format(Instant.FromUtc(2026, 7, 1, 14, 0), NewYork));
        Assert.Equal("Wed 1 Jul 2026, 16:00 CEST (Europe/Zurich)", ReadableTime.Format(Instant.FromUtc(2026, 7, 1, 14, 0), Zurich));
    }

    [Fact]
    public void ParseInput_AWallTimeInTheViewersZone()
    {
        Assert.Equal(Instant.FromUtc(2026, 7, 4, 11, 0), ReadableTime.ParseInput("2026-07-04T07:00", NewYork));
        Assert.Equal(Instant.FromUtc(2026, 7, 4, 11, 0, 30), ReadableTime.ParseInput("2026-07-04T07:00:30", NewYork));
        Assert.Null(ReadableTime.ParseInput("tomorrow", NewYork));
        Assert.Null(ReadableTime.ParseInput("", NewYork));
    }

    [Fact]
    public void ParseInput_SkippedTime_MovesForwardByTheGap()
    {
        // 2026-03-08 02:30 does not exist in New York (02:00 → 03:00): read as 03:30 EDT.
        Assert.Equal(Instant.FromUtc(2026, 3, 8, 7, 30), ReadableTime.ParseInput("2026-03-08T02:30", NewYork));
    }

    [Fact]
    public void ParseInput_AmbiguousTime_IsTheEarlierOne()
    {
        // 2026-11-01 01:30 happens twice in New York: the first (EDT, UTC-4) is taken.
        Assert.Equal(Instant.FromUtc(2026, 11, 1, 5, 30), ReadableTime.ParseInput("2026-11-01T01:30", NewYork));
    }

    [Fact]
    public void InputValue_RoundTripsThroughParseInput()
    {
        var instant = Instant.FromUtc(2026, 12, 24, 22, 15);
        Assert.Equal("2026-12-24T23:15", ReadableTime.InputValue(instant, Zurich));
        Assert.Equal(instant, ReadableTime.ParseInput(ReadableTime.InputValue(instant, Zurich), Zurich));
    }

    [Theory]
    [InlineData(7200, "2 hours")]
    [InlineData(900, "15 minutes")]
    [InlineData(3600, "1 hour")]
    [InlineData(5400, "1 hour 30 minutes")]
    [InlineData(60, "1 minute")]
    [InlineData(45, "45 seconds")]
    [InlineData(0, "0 seconds")]
    [InlineData(273600, "3 days 4 hours")]
    [InlineData(-900, "minus 15 minutes")]
    public void Words_Duration(long seconds, string expected) =>
        Assert.Equal(expected, ReadableTime.Words(Duration.FromSeconds(seconds)));

    [Theory]
    [InlineData("PT2H", "2 hours")]
    [InlineData("PT15M", "15 minutes")]
    [InlineData("P1D", "1 day")]
    [InlineData("P1Y", "1 year")]
    [InlineData("PT1H30M", "1 hour 30 minutes")]
    [InlineData("PT90M", "1 hour 30 minutes")]
    [InlineData("not a period", "not a period")]
    public void Words_IsoPeriod(string iso, string expected) => Assert.Equal(expected, ReadableTime.Words(iso));
}
