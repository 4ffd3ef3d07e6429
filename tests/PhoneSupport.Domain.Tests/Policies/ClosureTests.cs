using NodaTime;
using PhoneSupport.Domain.Policies;
using static PhoneSupport.Domain.Tests.Policies.ShippedPolicies;

namespace PhoneSupport.Domain.Tests.Policies;

/// <summary>Run-time closures (issue 12, item 6) laid over a policy's calendar: their window is a holiday for every rule.</summary>
public sealed class ClosureTests
{
    // Wednesday 10 June 2026, an ordinary working day in New York: a storm closes the office from 12:00 to 14:00.
    private static readonly Closure Storm = new(Eastern(2026, 6, 10, 12, 0), Eastern(2026, 6, 10, 14, 0), "Storm");
    private static readonly CoverageCalendar Closed = Constellix.Coverage.WithClosures([Storm]);

    [Theory]
    [InlineData(11, 59, 59, Window.Business)]
    [InlineData(12, 0, 0, Window.Holiday)]
    [InlineData(13, 59, 59, Window.Holiday)]
    [InlineData(14, 0, 0, Window.Business)]
    public void WindowAt_InsideAClosure_IsHoliday_StartInclusiveEndExclusive(int hour, int minute, int second, Window expected)
    {
        var at = Eastern(2026, 6, 10, hour, minute, second);

        Assert.Equal(expected, Closed.WindowAt(at));
        Assert.Equal(Window.Business, Constellix.Coverage.WindowAt(at)); // the file's calendar is untouched
        Assert.Equal(expected == Window.Holiday ? "Storm" : null, Closed.HolidayAt(at));
    }

    [Fact]
    public void IntervalsFrom_CutsTheClosureOutOfTheDay()
    {
        var intervals = Closed.IntervalsFrom(Eastern(2026, 6, 10, 8, 0)).Take(3).ToList();

        Assert.Equal(
            [
                new Interval(Eastern(2026, 6, 10, 9, 0), Eastern(2026, 6, 10, 12, 0)),
                new Interval(Eastern(2026, 6, 10, 14, 0), Eastern(2026, 6, 10, 18, 0)),
                new Interval(Eastern(2026, 6, 11, 9, 0), Eastern(2026, 6, 11, 18, 0)),
            ],
            intervals);
        Assert.Equal(Eastern(2026, 6, 10, 14, 0), Closed.NextOpening(Eastern(2026, 6, 10, 12, 30)));
    }

    [Fact]
    public void OverlappingClosures_CoverTheirUnion()
    {
        var calendar = Constellix.Coverage.WithClosures([Storm, new Closure(Eastern(2026, 6, 10, 13, 0), Eastern(2026, 6, 10, 15, 30), "Power cut")]);

        Assert.Equal(Window.Holiday, calendar.WindowAt(Eastern(2026, 6, 10, 15, 0)));
        Assert.Equal(Eastern(2026, 6, 10, 15, 30), calendar.NextOpening(Eastern(2026, 6, 10, 12, 0)));
    }

    [Fact]
    public void CoverageSlaClock_StopsDuringAClosure()
    {
        var target = ResponseTarget.Of(Duration.FromHours(4));
        var start = Eastern(2026, 6, 10, 10, 0);

        var open = new SlaClock(ClockKind.Coverage, Constellix.Coverage, Duration.FromHours(24)).DueAt(start, target);
        var closed = new SlaClock(ClockKind.Coverage, Closed, Duration.FromHours(24)).DueAt(start, target);

        Assert.Equal(Eastern(2026, 6, 10, 14, 0), open);
        Assert.Equal(Eastern(2026, 6, 10, 16, 0), closed);
    }

    [Fact]
    public void CallbackPromise_MadeDuringAClosure_RunsFromTheReopening()
    {
        var promise = new CallbackPromise(Duration.FromHours(1));

        Assert.Equal(Eastern(2026, 6, 10, 15, 0), promise.DueAt(Closed, Eastern(2026, 6, 10, 12, 30)));
    }

    [Fact]
    public void Catalog_UseClosures_ReplacesTheSetPerProvider_AndKeepsTheFiles()
    {
        var (catalog, errors) = PolicyCatalog.Load([(ConstellixFile, Text(ConstellixFile)), (ConstructorFile, Text(ConstructorFile))]);
        Assert.Empty(errors);
        var at = Eastern(2026, 6, 10, 12, 30);

        catalog!.UseClosures([("constellix", Storm)]);
        Assert.Equal(Window.Holiday, catalog.For("constellix")!.Coverage.WindowAt(at));
        Assert.Equal(Window.Business, catalog.For("constructor")!.Coverage.WindowAt(Swiss(2026, 6, 10, 12, 30)));
        Assert.Equal(Window.Business, catalog.FromFile("constellix")!.Coverage.WindowAt(at));

        catalog.UseClosures([]);
        Assert.Equal(Window.Business, catalog.For("constellix")!.Coverage.WindowAt(at));
    }
}
