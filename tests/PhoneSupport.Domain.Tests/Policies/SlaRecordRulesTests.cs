using NodaTime;
using PhoneSupport.Domain.Policies;
using static PhoneSupport.Domain.Tests.Policies.ShippedPolicies;

namespace PhoneSupport.Domain.Tests.Policies;

public sealed class SlaRecordRulesTests
{
    private static readonly Instant Due = Swiss(2026, 7, 10, 10, 0);

    [Theory]
    [InlineData(9, 0, true)]      // contact ten minutes before the due time
    [InlineData(10, 0, true)]     // at the due time exactly
    [InlineData(10, 1, false)]    // a minute late
    public void Met_WithAFirstContact_ComparesItWithTheDueTime(int hour, int minute, bool met)
    {
        var contact = Swiss(2026, 7, 10, hour, minute);

        Assert.Equal(met, SlaRecordRules.Met(Due, contact, Swiss(2026, 7, 11, 0, 0)));
    }

    [Fact]
    public void Met_WithoutContact_IsUnknownUntilDue_ThenFalse()
    {
        Assert.Null(SlaRecordRules.Met(Due, null, Due));
        Assert.False(SlaRecordRules.Met(Due, null, Due + Duration.FromSeconds(1)));
    }

    [Fact]
    public void Left_StandardSeverity1CallbackPromisedThursday18_HasThreeCoverageHoursLeftAtThursday19()
    {
        var standard = Constructor.Plan("Standard")!.Targets!;
        var promised = Swiss(2026, 7, 9, 18, 0);
        var due = new SlaClock(standard.Clock, Constructor.Coverage, standard.BusinessDay).DueAt(promised, standard.BySeverity[1]);
        var at = Swiss(2026, 7, 9, 19, 0);

        Assert.Equal(Swiss(2026, 7, 10, 10, 0), due);
        Assert.Equal(Duration.FromHours(3), SlaRecordRules.Left(ClockKind.Coverage, Constructor.Coverage, at, due));
        Assert.Equal(Duration.FromHours(15), SlaRecordRules.Left(ClockKind.Wall, Constructor.Coverage, at, due));
    }

    [Fact]
    public void Left_OverdueOnTheCoverageClock_IsNegativeWallTime()
    {
        Assert.Equal(Duration.FromMinutes(-30), SlaRecordRules.Left(ClockKind.Coverage, Constructor.Coverage, Due + Duration.FromMinutes(30), Due));
    }

    [Theory]
    [InlineData(15, 0, "PT15M")]
    [InlineData(240, 0, "PT4H")]
    [InlineData(90, 0, "PT1H30M")]
    [InlineData(0, 1, "P1D")]
    [InlineData(0, 3, "P3D")]
    public void Iso_WritesTheTargetAsThePolicyDoes(int minutes, int businessDays, string iso)
    {
        Assert.Equal(iso, SlaRecordRules.Iso(new ResponseTarget(Duration.FromMinutes(minutes), businessDays)));
    }

    [Theory]
    [InlineData("Standard", 1, "PT4H")]
    [InlineData("Premier", 1, "PT15M")]
    [InlineData("Premier", 3, "PT2H")]
    [InlineData("Proctored", 4, "P3D")]
    public void Decide_ConstructorPlanWithSeverity_CarriesItsResponseTargetAsTheSlaTarget(string plan, int severity, string iso)
    {
        var decision = EntitlementEngine.Decide(Constructor, new EntitlementRequest(plan, Swiss(2026, 7, 9, 21, 0), severity));

        Assert.Equal(iso, SlaRecordRules.Iso(decision.SlaTarget!));
    }

    [Fact]
    public void Decide_ConstellixCallbackPromise_IsNoSlaTarget()
    {
        var decision = EntitlementEngine.Decide(Constellix, new EntitlementRequest("Corporate", Eastern(2026, 7, 8, 11, 0)));

        Assert.NotNull(decision.Target);
        Assert.Null(decision.SlaTarget);
    }

    [Fact]
    public void Decide_ConstructorWithoutSeverity_IsNoSlaTarget()
    {
        Assert.Null(EntitlementEngine.Decide(Constructor, new EntitlementRequest("Standard", Swiss(2026, 7, 9, 21, 0))).SlaTarget);
    }
}
