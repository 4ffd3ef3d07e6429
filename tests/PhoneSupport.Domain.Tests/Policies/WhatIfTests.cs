using NodaTime;
using PhoneSupport.Domain.Policies;
using static PhoneSupport.Domain.Tests.Policies.ShippedPolicies;

namespace PhoneSupport.Domain.Tests.Policies;

public sealed class WhatIfTests
{
    private static readonly Guid Acme = Guid.Parse("00000000-0000-0000-0000-00000000a001");
    private static readonly WhatIfContract Contract = new(Guid.Parse("00000000-0000-0000-0000-00000000c001"), "5550001", new LocalDate(2026, 1, 15), new LocalDate(2027, 1, 14));
    private static readonly Instant YearStart = NewYork.AtStartOfDay(new LocalDate(2026, 1, 15)).ToInstant();
    private static readonly Instant Now = Eastern(2026, 8, 1, 12, 0);

    private static SupportPolicy Draft(string file, params (string From, string To)[] edits)
    {
        var text = Text(file);
        foreach (var (from, to) in edits)
        {
            Assert.Contains(from, text);
            text = text.Replace(from, to, StringComparison.Ordinal);
        }
        var (policy, errors) = PolicyParser.Parse(file, text);
        Assert.Empty(errors);
        return policy!;
    }

    /// <summary>A connected contract call as it was recorded under the current policy.</summary>
    private static WhatIfCall NightCall(string sid, Instant at, int talkMinutes, Decision decision, long charged) =>
        new(sid, at, Acme, "Corporate", false, null, Contract, [], talkMinutes * 60, true, null, null,
            new WhatIfRecorded(Window.Night, decision, "2026.11.1", charged, charged, decision == Decision.LiveRouteUsingIncluded, null));

    private static IReadOnlyList<WhatIfCall> ThreeNightCalls() =>
    [
        NightCall("CA1", Eastern(2026, 7, 7, 22, 0), 40, Decision.LiveRouteUsingIncluded, 0),
        NightCall("CA2", Eastern(2026, 7, 8, 22, 0), 150, Decision.LiveRouteUsingIncluded, 6000),
        NightCall("CA3", Eastern(2026, 7, 9, 22, 0), 25, Decision.LiveRouteWithPrice, 6000),
    ];

    [Fact]
    public void CurrentPolicy_ReplaysTheRecordsExactly()
    {
        var result = WhatIf.Compare(Constellix, Constellix, ThreeNightCalls(), new Dictionary<(Guid, Instant), int>(), Now);

        Assert.Empty(result.Unexplained);
        Assert.Equal(12000, result.Totals.BilledBefore);
        Assert.Equal(12000, result.Totals.BilledAfter);
        Assert.Equal(0, result.Totals.RoutedDifferently);
        Assert.Equal([Decision.LiveRouteUsingIncluded, Decision.LiveRouteUsingIncluded, Decision.LiveRouteWithPrice], result.Rows.Select(r => r.After.Decision));
    }

    [Fact]
    public void APeriodSpanningARateRise_ReplaysEachCallUnderTheVersionThatDecidedIt()
    {
        // The night rate rose from 120 to 150 dollars an hour (version "2026.7.9") before the third call: it was billed 75 dollars.
        var risen = Draft(ConstellixFile, ("version: \"2026.11.1\"", "version: \"2026.7.9\""),
            ("ratesPerHour: { night: 12000, weekend: 12000, holiday: 26000 }", "ratesPerHour: { night: 15000, weekend: 12000, holiday: 26000 }"));
        var calls = ThreeNightCalls().ToList();
        calls[2] = calls[2] with { Recorded = calls[2].Recorded with { PolicyVersion = "2026.7.9", Billed = 7500, Charged = 7500 } };
        SupportPolicy DecidedBy(WhatIfCall c) => c.Recorded.PolicyVersion == risen.Version ? risen : Constellix;

        var asDecided = WhatIf.Compare(DecidedBy, risen, calls, new Dictionary<(Guid, Instant), int>(), Now);
        var oneVersion = WhatIf.Compare(Constellix, risen, calls, new Dictionary<(Guid, Instant), int>(), Now);

        Assert.Empty(asDecided.Unexplained);
        Assert.Equal("CA3", Assert.Single(oneVersion.Unexplained).CallSid);
        Assert.StartsWith("decided under policy version 2026.7.9, not 2026.11.1: charged", Assert.Single(oneVersion.Unexplained).Reason, StringComparison.Ordinal);
        // The draft (the risen rate for every call) beside what was billed: the second call's 30 minutes beyond the included 2 hours cost 15 dollars more.
        Assert.Equal((13500L, 15000L), (asDecided.Totals.BilledBefore, asDecided.Totals.BilledAfter));
    }

    [Fact]
    public void FewerIncludedIncidents_PriceTheSecondNightCallInAnsweredOrder()
    {
        var draft = Draft(ConstellixFile, ("includedIncidents: 2", "includedIncidents: 1"));

        var result = WhatIf.Compare(Constellix, draft, ThreeNightCalls(), new Dictionary<(Guid, Instant), int>(), Now);

        Assert.Equal([Decision.LiveRouteUsingIncluded, Decision.LiveRouteWithPrice, Decision.LiveRouteWithPrice], result.Rows.Select(r => r.After.Decision));
        // 2 h 30 min priced: 5 half-hour steps at 60 dollars, instead of 30 minutes beyond the included 2 hours.
        Assert.Equal([0L, 30000L, 6000L], result.Rows.Select(r => r.After.Billed));
        Assert.Equal(24000, result.Totals.Difference);
        Assert.Equal(1, result.Totals.DecisionsChanged);
        Assert.Equal(0, result.Totals.RoutedDifferently); // still live
        Assert.Equal(24000, Assert.Single(result.Accounts).Totals.Difference);
    }

    [Fact]
    public void UsesBeforeThePeriod_CountTowardsTheContractYear()
    {
        var prior = new Dictionary<(Guid, Instant), int> { [(Contract.ContractId, YearStart)] = 1 };
        var calls = ThreeNightCalls();

        var outcomes = WhatIf.Replay(Constellix, calls, prior, Now);

        Assert.Equal([Decision.LiveRouteUsingIncluded, Decision.LiveRouteWithPrice, Decision.LiveRouteWithPrice], outcomes.Select(o => o.Decision));
    }

    [Fact]
    public void AnIncludedCallNeverConnected_LeavesItsIncidentForTheNext()
    {
        var calls = ThreeNightCalls().ToList();
        calls[0] = calls[0] with { TalkSeconds = null, Connected = false, Recorded = calls[0].Recorded with { UsedIncluded = false } };

        var outcomes = WhatIf.Replay(Constellix, calls, new Dictionary<(Guid, Instant), int>(), Now);

        Assert.Equal(Decision.LiveRouteUsingIncluded, outcomes[2].Decision);
        Assert.Equal(0, outcomes[2].Billed);
    }

    [Fact]
    public void AnAddedHoliday_MovesTheCallToTheHolidayWindowAndRate()
    {
        var draft = Draft(ConstellixFile, ("dates: []", "dates: [{ date: 2026-07-09, name: \"Draft closure\" }]"));

        var result = WhatIf.Compare(Constellix, draft, ThreeNightCalls(), new Dictionary<(Guid, Instant), int>(), Now);

        var third = result.Rows[2];
        Assert.Equal(Window.Holiday, third.After.Window);
        Assert.Equal(13000, third.After.Billed); // one half-hour step at 260 dollars per hour
        Assert.Equal(7000, result.Totals.Difference);
    }

    [Fact]
    public void AShorterPremierTarget_MovesTheDueAndTurnsAMetCallIntoAMissedOne()
    {
        var at = Swiss(2026, 7, 6, 10, 0);
        var premier = new WhatIfCall("CAP", at, Acme, "Premier", false, 2, null, [], 600, true, null, at + Duration.FromMinutes(20),
            new WhatIfRecorded(Window.Business, Decision.LiveRoute, "2026.11.1", 0, 0, false, at + Duration.FromMinutes(30)));
        var draft = Draft(ConstructorFile, ("\"1\": PT15M, \"2\": PT30M, \"3\": PT2H", "\"1\": PT15M, \"2\": PT15M, \"3\": PT2H"));

        var result = WhatIf.Compare(Constructor, draft, [premier], new Dictionary<(Guid, Instant), int>(), Now);

        Assert.Empty(result.Unexplained);
        var row = Assert.Single(result.Rows);
        Assert.Equal(at + Duration.FromMinutes(15), row.After.SlaDue);
        Assert.True(row.SlaMetBefore);
        Assert.False(row.After.SlaMet);
        Assert.Equal((1, 0, 0, 1), (result.Totals.SlaMetBefore, result.Totals.SlaMetAfter, result.Totals.SlaMissedBefore, result.Totals.SlaMissedAfter));
    }

    [Fact]
    public void ABoughtBlock_IsPricedAtTheDraftsOptionOfTheSameLength_AndTheTimeBeyondInSteps()
    {
        var at = Eastern(2026, 7, 8, 11, 0);
        var bought = new WhatIfCall("CAB", at, Acme, "SmallBusiness", false, null, null, [], 45 * 60, true, new WhatIfPurchase(30), null,
            new WhatIfRecorded(Window.Business, Decision.PurchaseRequired, "2026.11.1", 8500, 8500, false, null));
        var draft = Draft(ConstellixFile, ("ratesPerHour: { business: 8500, night: 19000, weekend: 19000, holiday: 29000 }\n    purchaseOptions:\n      - { minutes: 30, price: 4250 }",
            "ratesPerHour: { business: 10000, night: 19000, weekend: 19000, holiday: 29000 }\n    purchaseOptions:\n      - { minutes: 30, price: 5000 }"));

        var current = WhatIf.Replay(Constellix, [bought], new Dictionary<(Guid, Instant), int>(), Now);
        var after = WhatIf.Replay(draft, [bought], new Dictionary<(Guid, Instant), int>(), Now);

        Assert.Equal(8500, current[0].Billed);   // 42.50 block + 15 minutes beyond = one step at 85 per hour
        Assert.Equal(10000, after[0].Billed);    // 50.00 block + one step at 100 per hour
    }

    [Fact]
    public void ADifferentRecord_IsReportedAsUnexplainedWithItsReason()
    {
        var calls = ThreeNightCalls().ToList();
        calls[2] = calls[2] with { Recorded = calls[2].Recorded with { Charged = 9000, PolicyVersion = "2026.10.1" } };

        var result = WhatIf.Compare(Constellix, Constellix, calls, new Dictionary<(Guid, Instant), int>(), Now);

        var why = Assert.Single(result.Unexplained);
        Assert.Equal("CA3", why.CallSid);
        Assert.Equal("decided under policy version 2026.10.1, not 2026.11.1: charged 90.00 USD, replayed 60.00 USD", why.Reason);
    }

    [Fact]
    public void DatedHolidays_GiveTheSameWindowsAsTheRules_EveryHourOfTwoYears()
    {
        foreach (var policy in new[] { Constellix, Draft(ConstellixFile, ("dates: []", "dates: [{ date: 2026-12-24, name: \"Christmas Eve\" }]")), Constructor })
        {
            var start = Eastern(2026, 1, 1, 0, 0);
            var dated = WhatIf.WithDatedHolidays(policy, start, start + Duration.FromDays(730));
            for (var at = start; at < start + Duration.FromDays(730); at += Duration.FromHours(1))
            {
                Assert.Equal(policy.Coverage.WindowAt(at), dated.Coverage.WindowAt(at));
                Assert.Equal(policy.Coverage.NextOpening(at), dated.Coverage.NextOpening(at));
            }
        }
    }
}
