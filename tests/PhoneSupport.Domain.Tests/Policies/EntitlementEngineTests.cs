using FsCheck;
using FsCheck.Fluent;
using NodaTime;
using PhoneSupport.Domain.Policies;
using static PhoneSupport.Domain.Tests.Policies.ShippedPolicies;
using Interval = NodaTime.Interval;

namespace PhoneSupport.Domain.Tests.Policies;

public sealed class EntitlementEngineTests
{
    private static readonly ContractInfo Contract = new("C-1001", new LocalDate(2026, 1, 10), new LocalDate(2027, 1, 9));

    private static readonly Instant SaturdayNight = Eastern(2026, 6, 13, 22, 0);

    private static readonly Instant MondayTen = Eastern(2026, 6, 15, 10, 0);

    private static AllowanceSnapshot Allowance(Instant at, int used, int claimed = 0)
    {
        var (start, end, _) = ContractYear.For(Contract.StartsOn, at, NewYork);
        return new AllowanceSnapshot(start, end, 2, used, claimed);
    }

    private static Entitlement Corporate(Instant at, ContractInfo? contract = null, AllowanceSnapshot? allowance = null) =>
        EntitlementEngine.Decide(Constellix, new EntitlementRequest("Corporate", at, Contract: contract, Allowance: allowance));

    [Theory]
    [InlineData(2026, 6, 13, 22, Window.Weekend)]
    [InlineData(2026, 6, 9, 23, Window.Night)]
    [InlineData(2026, 6, 10, 6, Window.Night)]
    public void Decide_ContractHolderAfterHoursWithIncludedLeft_LiveRouteUsingIncludedWithOverrunPrice(int y, int mo, int d, int h, Window window)
    {
        var at = Eastern(y, mo, d, h, 0);

        var decision = Corporate(at, Contract, Allowance(at, used: 0));

        Assert.Equal(Decision.LiveRouteUsingIncluded, decision.Decision);
        Assert.True(decision.UsesIncluded);
        Assert.Equal(window, decision.Window);
        Assert.Equal(new Pricing(new Money(12000, "usd"), Duration.FromMinutes(30), new Money(6000, "usd"), 1), decision.Price);
        Assert.Equal(Duration.FromHours(2), decision.IncludedTalk);
        Assert.Equal(2, decision.Allowance!.Remaining);
        Assert.True(decision.Routing.OnCallOnly);
        Assert.Contains("2 left", decision.Reason, StringComparison.Ordinal);
        Assert.Contains("120 dollars per hour", decision.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(2, 0)]
    [InlineData(1, 1)]
    [InlineData(0, 2)]
    public void Decide_ContractHolderAfterHoursWithNoneLeft_LiveRouteWithPrice12000(int used, int claimed)
    {
        var decision = Corporate(SaturdayNight, Contract, Allowance(SaturdayNight, used, claimed));

        Assert.Equal(Decision.LiveRouteWithPrice, decision.Decision);
        Assert.Equal(new Money(12000, "usd"), decision.Price!.RatePerHour);
        Assert.Null(decision.IncludedTalk);
        Assert.Equal(0, decision.Allowance!.Remaining);
        Assert.Contains("120 dollars per hour", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_ThirdAfterHoursIncidentLateInContractYear_IsPriced()
    {
        var at = Eastern(2027, 1, 8, 21, 0);

        var decision = Corporate(at, Contract, Allowance(at, used: 2));

        Assert.Equal(Decision.LiveRouteWithPrice, decision.Decision);
        Assert.Equal(12000, decision.Price!.RatePerHour.Amount);
        Assert.Equal(Eastern(2026, 1, 10, 0, 0), decision.Allowance!.ContractYearStart);
    }

    [Theory]
    [InlineData(0, Decision.LiveRouteUsingIncluded)]
    [InlineData(2, Decision.LiveRouteWithPrice)]
    public void Decide_ContractHolderOnObservedHoliday_UsesHolidayRate26000(int used, Decision expected)
    {
        var at = Eastern(2026, 7, 3, 11, 0);

        var decision = Corporate(at, Contract, Allowance(at, used));

        Assert.Equal(expected, decision.Decision);
        Assert.Equal(Window.Holiday, decision.Window);
        Assert.Equal("Independence Day", decision.Holiday);
        Assert.Equal(new Money(26000, "usd"), decision.Price!.RatePerHour);
        Assert.Equal(new Money(13000, "usd"), decision.Price.StepPrice);
        Assert.Contains("260 dollars", decision.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(2025, 1, 10, 2026, 1, 9)]
    [InlineData(2026, 7, 1, 2027, 6, 30)]
    public void Decide_ContractNotActive_FallsBackToCorporateNotCoveredAfterHours(int sy, int sm, int sd, int ey, int em, int ed)
    {
        var contract = new ContractInfo("C-2002", new LocalDate(sy, sm, sd), new LocalDate(ey, em, ed));

        var decision = Corporate(SaturdayNight, contract, Allowance(SaturdayNight, 0));

        Assert.Equal(Decision.NotCovered, decision.Decision);
        Assert.Null(decision.Price);
        Assert.Contains("C-2002 is not active", decision.Reason, StringComparison.Ordinal);
        Assert.Equal(MondayTen, decision.CallbackDueAt);
    }

    [Fact]
    public void Decide_ContractOnItsInclusiveEndDateAtNight_StillUsesIncluded()
    {
        var at = Eastern(2027, 1, 9, 23, 30);

        Assert.Equal(Decision.LiveRouteUsingIncluded, Corporate(at, Contract, Allowance(at, 0)).Decision);
    }

    [Theory]
    [InlineData(2026, 6, 13, 22, 0, 2026, 6, 15)]
    [InlineData(2026, 6, 12, 18, 0, 2026, 6, 15)]
    [InlineData(2026, 6, 10, 8, 59, 2026, 6, 10)]
    [InlineData(2026, 7, 2, 20, 0, 2026, 7, 6)]
    public void Decide_CorporateWithoutContractAfterHours_NotCoveredWithCallbackOneHourAfterNextOpening(int y, int mo, int d, int h, int mi, int dy, int dmo, int dd)
    {
        var decision = Corporate(Eastern(y, mo, d, h, mi));

        Assert.Equal(Decision.NotCovered, decision.Decision);
        Assert.Equal(ClockKind.Coverage, decision.Clock);
        Assert.Equal(ResponseTarget.Of(Duration.FromHours(1)), decision.Target);
        Assert.Equal(Eastern(dy, dmo, dd, 10, 0), decision.CallbackDueAt);
        Assert.Equal("https://support.constellix.com", decision.WebTicket);
        Assert.Contains("https://support.constellix.com", decision.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(14, 0, false)]
    [InlineData(17, 30, false)]
    [InlineData(9, 0, true)]
    public void Decide_CorporateInBusinessHours_LiveRouteWithCallbackOneWallHourLater(int h, int mi, bool withContract)
    {
        var at = Eastern(2026, 6, 10, h, mi);

        var decision = Corporate(at, withContract ? Contract : null, withContract ? Allowance(at, 2) : null);

        Assert.Equal(Decision.LiveRoute, decision.Decision);
        Assert.Equal(ClockKind.Wall, decision.Clock);
        Assert.Equal(at + Duration.FromHours(1), decision.CallbackDueAt);
        Assert.Null(decision.Price);
        Assert.Equal(new RoutingPreferences(1, false, false, false, null), decision.Routing);
    }

    [Theory]
    [InlineData("SmallBusiness")]
    [InlineData("Business")]
    public void Decide_MembershipInBusinessHours_PurchaseRequiredWithTwoOptions(string plan)
    {
        var decision = EntitlementEngine.Decide(Constellix, new EntitlementRequest(plan, Eastern(2026, 6, 10, 14, 0)));

        Assert.Equal(Decision.PurchaseRequired, decision.Decision);
        Assert.Equal(new Money(8500, "usd"), decision.Price!.RatePerHour);
        Assert.Equal([new PurchaseOption(30, 4250), new PurchaseOption(60, 8500)], decision.PurchaseOptions.ToArray());
        Assert.Contains("42 dollars and 50 cents for 30 minutes", decision.Reason, StringComparison.Ordinal);
        Assert.Equal(2, decision.Routing.Priority);
    }

    [Theory]
    [InlineData("Business", 2026, 6, 10, 22, Window.Night, 19000)]
    [InlineData("Business", 2026, 6, 13, 12, Window.Weekend, 19000)]
    [InlineData("Business", 2026, 11, 26, 12, Window.Holiday, 29000)]
    [InlineData("SmallBusiness", 2026, 7, 3, 10, Window.Holiday, 29000)]
    public void Decide_MembershipAfterHours_QuoteRequiredAtWindowRate(string plan, int y, int mo, int d, int h, Window window, long rate)
    {
        var decision = EntitlementEngine.Decide(Constellix, new EntitlementRequest(plan, Eastern(y, mo, d, h, 0)));

        Assert.Equal(Decision.QuoteRequired, decision.Decision);
        Assert.Equal(window, decision.Window);
        Assert.Equal(new Money(rate, "usd"), decision.Price!.RatePerHour);
        Assert.Empty(decision.PurchaseOptions);
    }

    [Theory]
    [InlineData(2026, 6, 10, 14, 0, 0, Decision.LiveRoute, 2026, 6, 10, 15, 0, 0)]
    [InlineData(2026, 6, 12, 17, 59, 59, Decision.LiveRoute, 2026, 6, 12, 18, 59, 59)]
    [InlineData(2026, 6, 12, 18, 0, 0, Decision.NotCovered, 2026, 6, 15, 10, 0, 0)]
    [InlineData(2026, 6, 13, 12, 0, 0, Decision.NotCovered, 2026, 6, 15, 10, 0, 0)]
    [InlineData(2026, 7, 3, 10, 0, 0, Decision.NotCovered, 2026, 7, 6, 10, 0, 0)]
    public void DecideSales_InAndAfterHours_LiveWithSalesSkillOrMessageDueAnHourAfterOpening(int y, int mo, int d, int h, int mi, int s, Decision expected, int dy, int dmo, int dd, int dh, int dmi, int ds)
    {
        var decision = EntitlementEngine.DecideSales(Constellix, Eastern(y, mo, d, h, mi, s));

        Assert.Equal(expected, decision.Decision);
        Assert.Equal("sales", decision.Routing.Skill);
        Assert.Equal(Eastern(dy, dmo, dd, dh, dmi, ds), decision.CallbackDueAt);
        Assert.Equal("2026.11.1", decision.PolicyVersion);
    }

    [Theory]
    [InlineData(1, 15)]
    [InlineData(2, 45)]
    [InlineData(3, 240)]
    public void Decide_ProctoredInsideExamSessionAt3am_LiveRouteOnWallClockWithSessionTargets(int severity, int minutes)
    {
        var at = Swiss(2026, 6, 9, 3, 0);
        var session = new Interval(Swiss(2026, 6, 9, 2, 0), Swiss(2026, 6, 9, 6, 0));

        var decision = EntitlementEngine.Decide(Constructor, new EntitlementRequest("Proctored", at, severity, ExamSessions: [session]));

        Assert.Equal(Decision.LiveRoute, decision.Decision);
        Assert.Equal(Window.Night, decision.Window);
        Assert.Equal(ClockKind.Wall, decision.Clock);
        Assert.Equal(ResponseTarget.Of(Duration.FromMinutes(minutes)), decision.Target);
        Assert.Equal(at + Duration.FromMinutes(minutes), decision.CallbackDueAt);
        Assert.False(decision.Routing.OnCallOnly);
        Assert.True(decision.Routing.QueueAllowed);
    }

    [Theory]
    [InlineData(2026, 6, 9, 3, 0, 2026, 6, 9, 16)]
    [InlineData(2026, 6, 9, 6, 0, 2026, 6, 9, 16)]
    [InlineData(2026, 6, 13, 3, 0, 2026, 6, 15, 16)]
    public void Decide_ProctoredOutsideExamSessions_CallbackOnStandardTargets(int y, int mo, int d, int h, int mi, int dy, int dmo, int dd, int dh)
    {
        var session = new Interval(Swiss(2026, 6, 9, 2, 0), Swiss(2026, 6, 9, 6, 0));
        var outsideSession = h == 3 && d == 9 ? [] : new[] { session };

        var decision = EntitlementEngine.Decide(Constructor, new EntitlementRequest("Proctored", Swiss(y, mo, d, h, mi), 2, ExamSessions: outsideSession));

        Assert.Equal(Decision.Callback, decision.Decision);
        Assert.Equal(ClockKind.Coverage, decision.Clock);
        Assert.Equal(Constructor.Plan("Standard")!.Targets!.BySeverity[2], decision.Target);
        Assert.Equal(Swiss(dy, dmo, dd, dh, 0), decision.CallbackDueAt);
    }

    [Theory]
    [InlineData(2026, 6, 9, 23, 0, 2026, 6, 10)]
    [InlineData(2026, 6, 13, 14, 0, 2026, 6, 15)]
    public void Decide_PremierSeverity2AfterHours_CallbackOnCoverageClock(int y, int mo, int d, int h, int mi, int dy, int dmo, int dd)
    {
        var decision = EntitlementEngine.Decide(Constructor, new EntitlementRequest("Premier", Swiss(y, mo, d, h, mi), 2));

        Assert.Equal(Decision.Callback, decision.Decision);
        Assert.Equal(ClockKind.Coverage, decision.Clock);
        Assert.Equal(Swiss(dy, dmo, dd, 8, 30), decision.CallbackDueAt);
        Assert.Equal(new RoutingPreferences(1, true, true, true, null), decision.Routing);
    }

    [Fact]
    public void Decide_UnknownPlan_NotCoveredNamingThePlan()
    {
        var decision = EntitlementEngine.Decide(Constructor, new EntitlementRequest("Gold", Swiss(2026, 6, 9, 10, 0), 1));

        Assert.Equal(Decision.NotCovered, decision.Decision);
        Assert.Contains("Gold", decision.Reason, StringComparison.Ordinal);
        Assert.Equal("2026.11.1", decision.PolicyVersion);
    }

    [Fact]
    public void Decide_RandomRequests_CarryVersionReasonWindowAndNeverDueBeforeTheCall()
    {
        var requests =
            from seconds in Gen.Choose(0, 220_000_000)
            from constellix in Gen.Elements(true, false)
            from plan in Gen.Elements(constellix ? ["Corporate", "Business", "SmallBusiness", "Sales"] : new[] { "Standard", "Premier", "Proctored" })
            from severity in Gen.Elements<int?>(null, 1, 2, 3, 4)
            from used in Gen.Choose(0, 3)
            select (At: Instant.FromUtc(2024, 1, 1, 0, 0) + Duration.FromSeconds(seconds), Policy: constellix ? Constellix : Constructor, Plan: plan, Severity: severity, Used: used);

        var property = Prop.ForAll(requests.ToArbitrary(), r =>
        {
            var decision = r.Plan == "Sales"
                ? EntitlementEngine.DecideSales(r.Policy, r.At)
                : EntitlementEngine.Decide(r.Policy, new EntitlementRequest(r.Plan, r.At, r.Severity, r.Used < 3 ? Contract : null, Allowance(r.At, r.Used)));
            var window = r.Policy.Coverage.WindowAt(r.At);
            var liveAllowed = window == Window.Business || (r.Plan == "Premier" && r.Severity == 1) || (r.Plan == "Corporate" && r.Used < 3 && Contract.IsActiveOn(decision.LocalTime.Date));
            return decision.PolicyVersion == "2026.11.1" && decision.Reason.Length > 0 && decision.Window == window
                && decision.LocalTime == r.At.InZone(r.Policy.Coverage.Zone).LocalDateTime
                && decision.CallbackDueAt >= r.At && (!decision.Decision.IsLive() || liveAllowed);
        });

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(1000), property);
    }
}
