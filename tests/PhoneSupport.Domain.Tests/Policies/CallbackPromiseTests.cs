using NodaTime;
using PhoneSupport.Domain.Policies;
using static PhoneSupport.Domain.Tests.Policies.ShippedPolicies;

namespace PhoneSupport.Domain.Tests.Policies;

/// <summary><c>callbackPromise</c>: from now in coverage, from the next opening outside it, then <c>within</c> on its <c>clock</c>.</summary>
public sealed class CallbackPromiseTests
{
    private static readonly DateTimeZone NewYork = DateTimeZoneProviders.Tzdb["America/New_York"];

    private static Instant Eastern(int y, int mo, int d, int h, int mi = 0) => NewYork.AtStrictly(new LocalDateTime(y, mo, d, h, mi)).ToInstant();

    [Theory]
    [InlineData(2026, 12, 4, 19, 0, 2026, 12, 7, 10, 0)]   // Friday evening → Monday's opening + 1 hour
    [InlineData(2026, 12, 4, 14, 0, 2026, 12, 4, 15, 0)]   // in business hours: from now
    [InlineData(2026, 12, 4, 17, 30, 2026, 12, 4, 18, 30)] // wall clock: past the closing time
    [InlineData(2026, 12, 24, 20, 0, 2026, 12, 28, 10, 0)] // Christmas Day (Friday) closed → Monday
    public void DueAt_ShippedConstellixWallPromise(int y, int mo, int d, int h, int mi, int dy, int dmo, int dd, int dh, int dmi)
    {
        var promise = Constellix.CallbackPromise!;

        Assert.Equal(ClockKind.Wall, promise.Clock);
        Assert.Equal(Eastern(dy, dmo, dd, dh, dmi), promise.DueAt(Constellix.Coverage, Eastern(y, mo, d, h, mi)));
    }

    [Fact]
    public void DueAt_CoverageClock_CountsOnlyCoverageHours()
    {
        var promise = new CallbackPromise(Duration.FromHours(2), ClockKind.Coverage);

        Assert.Equal(Eastern(2026, 12, 7, 10, 30), promise.DueAt(Constellix.Coverage, Eastern(2026, 12, 4, 17, 30))); // 30 min on Friday, 90 on Monday
        Assert.Equal(Eastern(2026, 12, 7, 11, 0), promise.DueAt(Constellix.Coverage, Eastern(2026, 12, 5, 12, 0)));
    }

    [Fact]
    public void DecideSales_UsesThePolicyPromiseClock()
    {
        var coverage = Constellix with { CallbackPromise = new CallbackPromise(Duration.FromHours(2), ClockKind.Coverage) };
        var wall = Constellix with { CallbackPromise = new CallbackPromise(Duration.FromHours(2), ClockKind.Wall) };
        var at = Eastern(2026, 12, 4, 17, 30);

        Assert.Equal(Eastern(2026, 12, 7, 10, 30), EntitlementEngine.DecideSales(coverage, at).CallbackDueAt);
        Assert.Equal(ClockKind.Coverage, EntitlementEngine.DecideSales(coverage, at).Clock);
        Assert.Equal(Eastern(2026, 12, 4, 19, 30), EntitlementEngine.DecideSales(wall, at).CallbackDueAt);
        Assert.Equal(ClockKind.Wall, EntitlementEngine.DecideSales(wall, at).Clock);
    }

    [Theory]
    [InlineData("clock: coverage", ClockKind.Coverage)]
    [InlineData("clock: wall", ClockKind.Wall)]
    public void Parse_ReadsTheClock(string clock, ClockKind expected)
    {
        var (policy, errors) = PolicyParser.Parse(ConstellixFile, Text(ConstellixFile).Replace("clock: wall", clock, StringComparison.Ordinal));

        Assert.Empty(errors);
        Assert.Equal(expected, policy!.CallbackPromise!.Clock);
    }

    [Fact]
    public void Parse_UnknownClock_ReportsItsLine()
    {
        var text = Text(ConstellixFile).Replace("  clock: wall", "  clock: sundial", StringComparison.Ordinal);

        var (policy, errors) = PolicyParser.Parse(ConstellixFile, text);

        Assert.Null(policy);
        var line = text[..text.IndexOf("clock: sundial", StringComparison.Ordinal)].Count(c => c == '\n') + 1;
        Assert.Contains(errors, e => e.Line == line && e.Message.Contains("callbackPromise clock 'sundial' must be wall or coverage", StringComparison.Ordinal));
    }
}
