using NodaTime;
using PhoneSupport.Domain.Policies;
using static PhoneSupport.Domain.Tests.Policies.ShippedPolicies;

namespace PhoneSupport.Domain.Tests.Policies;

/// <summary>Policy versions (issue 17, decision 018): the catalog answers the version effective at an instant; drafts are checked like files.</summary>
public sealed class PolicyVersionTests
{
    private static readonly Instant Midnight = Eastern(2027, 1, 1, 0, 0);

    private static string Draft(string version, string night = "15000") =>
        Text(ConstellixFile).Replace("version: \"2026.11.1\"", $"version: \"{version}\"", StringComparison.Ordinal)
            .Replace("ratesPerHour: { night: 12000,", $"ratesPerHour: {{ night: {night},", StringComparison.Ordinal);

    private static SupportPolicy Parsed(string yaml) => PolicyParser.Parse(ConstellixFile, yaml).Policy!;

    private static (PolicyCatalog Catalog, TestClock Clock) Catalog(Instant now)
    {
        var (catalog, errors) = PolicyCatalog.Load([(ConstellixFile, Text(ConstellixFile)), (ConstructorFile, Text(ConstructorFile))]);
        Assert.Empty(errors);
        var clock = new TestClock(now);
        return (catalog!.UseClock(clock), clock);
    }

    [Fact]
    public void At_AnswersTheVersionEffectiveAtTheInstant_AndForFollowsTheClock()
    {
        var (catalog, clock) = Catalog(Eastern(2026, 12, 31, 23, 59));
        var file = catalog.FromFile("constellix")!;
        catalog.UseVersions([new PolicyVersionEntry(file, Eastern(2026, 11, 1, 0, 0)), new PolicyVersionEntry(Parsed(Draft("2027.1.1")), Midnight)]);

        Assert.Equal("2026.11.1", catalog.At("constellix", Midnight - Duration.FromMinutes(1))!.Version);
        Assert.Equal("2027.1.1", catalog.At("constellix", Midnight)!.Version);
        Assert.Equal("2026.11.1", catalog.At("constellix", Eastern(2020, 1, 1, 0, 0))!.Version); // the earliest answers before its instant
        Assert.Equal("2026.11.1", catalog.For("constellix")!.Version);
        Assert.Equal(12000, catalog.For("constellix")!.Plan("Corporate")!.Contract!.RatesPerHour[Window.Night]);

        clock.Now += Duration.FromMinutes(2);
        Assert.Equal("2027.1.1", catalog.For("constellix")!.Version);
        Assert.Equal(15000, catalog.For("constellix")!.Plan("Corporate")!.Contract!.RatesPerHour[Window.Night]);
        Assert.Contains(catalog.Policies, p => p.Provider == "constellix" && p.Version == "2027.1.1");
        Assert.Equal("2026.11.1", catalog.Version("constellix", "2026.11.1")!.Version);
        Assert.Null(catalog.Version("constellix", "1999.1"));
        Assert.Equal("2026.11.1", catalog.Decided("constellix", "2026.11.1", Midnight)!.Version); // a recorded version wins over the instant
        Assert.Equal("2027.1.1", catalog.Decided("constellix", "unknown", Midnight)!.Version);
        Assert.Equal("2026.11.1", catalog.FromFile("constellix")!.Version);
        Assert.Equal("constructor", catalog.For("constructor")!.Provider); // untouched provider: its file
    }

    [Fact]
    public void Closures_AreLaidOverEveryVersion_AndAProviderWithoutAFileIsIgnored()
    {
        var (catalog, _) = Catalog(Eastern(2026, 12, 1, 12, 0));
        var storm = new Closure(Eastern(2027, 1, 6, 12, 0), Eastern(2027, 1, 6, 14, 0), "Storm");
        catalog.UseClosures([("constellix", storm)]);
        catalog.UseVersions([new PolicyVersionEntry(Parsed(Draft("2027.1.1")), Midnight), new PolicyVersionEntry(Parsed(Draft("x")) with { Provider = "acme" }, Midnight)]);

        Assert.Equal(Window.Holiday, catalog.At("constellix", Eastern(2027, 1, 6, 13, 0))!.Coverage.WindowAt(Eastern(2027, 1, 6, 13, 0)));
        Assert.Equal(Window.Holiday, catalog.Version("constellix", "2026.11.1")!.Coverage.WindowAt(Eastern(2027, 1, 6, 13, 0)));
        Assert.Null(catalog.At("acme", Midnight));
        Assert.Equal(2, catalog.Versions("constellix").Count);
        catalog.UseVersions([]);
        Assert.Single(catalog.Versions("constellix"));
        Assert.Equal(Window.Holiday, catalog.For("constellix")!.Coverage.WindowAt(Eastern(2027, 1, 6, 13, 0)));
    }

    [Fact]
    public void Status_IsEffectiveForTheDecidingVersion_ScheduledLater_SupersededEarlier_AndWithdrawn()
    {
        var versions = new[]
        {
            ("a", Eastern(2026, 1, 1, 0, 0), false), ("b", Midnight, false), ("c", Midnight + Duration.FromDays(30), false), ("d", Midnight + Duration.FromDays(1), true),
        };
        var before = PolicyVersionStatus.Of(versions, Midnight - Duration.FromSeconds(1));
        Assert.Equal(["effective", "scheduled", "scheduled", "withdrawn"], versions.Select(v => before[v.Item1]));
        var after = PolicyVersionStatus.Of(versions, Midnight);
        Assert.Equal(["superseded", "effective", "scheduled", "withdrawn"], versions.Select(v => after[v.Item1]));
        Assert.Equal("effective", PolicyVersionStatus.Of([("only", Midnight, false)], Eastern(2020, 1, 1, 0, 0))["only"]); // the earliest answers before its instant
    }

    [Fact]
    public void Draft_IsCheckedLikeAFile_WithLines_AgainstTheRoutesProvider_AndNeverInThePast()
    {
        var now = Eastern(2026, 12, 1, 12, 0);
        var (ok, none) = PolicyDraft.Check("constellix", Draft("2027.1.1"), Midnight, now);
        Assert.Empty(none);
        Assert.Equal("2027.1.1", ok!.Version);

        var broken = Draft("2027.1.1").Replace("  minimumSteps: 1", "  minimumSteps: many", StringComparison.Ordinal);
        var line = broken.Split('\n').ToList().FindIndex(l => l.Contains("minimumSteps: many", StringComparison.Ordinal)) + 1;
        var (policy, problems) = PolicyDraft.Check("constellix", broken, Midnight, now);
        Assert.Null(policy);
        Assert.Contains(problems, p => p.Field == "yaml" && p.Line == line);

        Assert.Contains(PolicyDraft.Check("constructor", Draft("2027.1.1"), Midnight, now).Problems, p => p.Field == "yaml" && p.Message.Contains("'constellix'", StringComparison.Ordinal));
        Assert.Contains(PolicyDraft.Check("constellix", Draft("2027.1.1"), now, now).Problems, p => p.Field == "effectiveFrom");
        Assert.Contains(PolicyDraft.Check("constellix", "", Midnight, now).Problems, p => p.Field == "yaml");
    }
}

internal sealed class TestClock(Instant now) : IClock
{
    public Instant Now { get; set; } = now;

    public Instant GetCurrentInstant() => Now;
}
