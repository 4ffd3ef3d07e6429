extern alias cli;

using cli::PhoneSupport.Cli.Commands;
using NodaTime;

namespace PhoneSupport.Tests.Emulators;

/// <summary>The demo history's schedule: what the run command plays before the demo starts (the calls themselves go through the real webhooks).</summary>
public sealed class DemoHistoryPlanTests
{
    private static readonly DateTimeZone NewYork = DateTimeZoneProviders.Tzdb["America/New_York"];

    [Fact]
    public void ThreeWeeks_AreInOrder_InsideThePeriod_WithWeekendNightsAndCallbacksCalledBackTheNextMorning()
    {
        var until = Instant.FromUtc(2026, 11, 24, 15, 0);
        var from = until - Duration.FromDays(21);

        var plan = DemoHistoryCommand.Plan(from, until);

        Assert.Equal(plan.OrderBy(c => c.At).Select(c => c.At), plan.Select(c => c.At));
        Assert.All(plan, c => Assert.True(c.At >= from && c.At < until, $"{c.Label} at {c.At}"));
        var nights = plan.Where(c => c.Label.Contains("weekend night", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, nights.Count);
        Assert.All(nights, c => Assert.Equal(new LocalTime(23, 0), c.At.InZone(NewYork).TimeOfDay));
        var promises = plan.Where(c => c.CallbackMorning is not null).ToList();
        Assert.Equal(3, promises.Count);
        Assert.All(promises, c => Assert.InRange(c.CallbackMorning!.Value - c.At, Duration.FromHours(10), Duration.FromHours(12)));
        Assert.Contains(plan, c => c.To == "+41525550100" && c.Label.Contains("Premier", StringComparison.Ordinal));
        Assert.InRange(plan.Count, 18, 30);
    }

    [Fact]
    public void AnEmptyPeriod_PlaysNothing() =>
        Assert.Empty(DemoHistoryCommand.Plan(Instant.FromUtc(2026, 11, 24, 15, 0), Instant.FromUtc(2026, 11, 24, 15, 0)));
}
