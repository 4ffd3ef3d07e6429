using NodaTime;
using PhoneSupport.Domain.Flows;
using PhoneSupport.Domain.Policies;
using static PhoneSupport.Domain.Tests.Policies.ShippedPolicies;

namespace PhoneSupport.Domain.Tests.Policies;

public sealed class PolicyFilesTests
{
    [Theory]
    [InlineData(ConstellixFile, "constellix")]
    [InlineData(ConstructorFile, "constructor")]
    public void Parse_ShippedPolicy_HasNoErrors(string fileName, string provider)
    {
        var (policy, errors) = PolicyParser.Parse(fileName, Text(fileName));

        Assert.Empty(errors);
        Assert.NotNull(policy);
        Assert.Equal(provider, policy.Provider);
        Assert.Equal("2026.11.1", policy.Version);
        Assert.Equal(fileName, policy.FileName);
    }

    [Fact]
    public void Parse_Constellix_CarriesHoursZoneAndProviderWideNumbers()
    {
        var policy = Constellix;

        Assert.Equal("usd", policy.Currency);
        Assert.Equal("America/New_York", policy.Coverage.Zone.Id);
        Assert.Equal("Monday to Friday, 09:00 to 18:00 (America/New_York)", policy.Coverage.Describe());
        Assert.Equal(new BillingRule(Duration.FromMinutes(30), 1), policy.Billing);
        Assert.Equal(Duration.FromHours(1), policy.CallbackPromise?.Within);
        Assert.Equal(new IdentificationRules(3, 5, Duration.FromHours(1), Duration.FromHours(1)), policy.Identification);
        Assert.Equal("sales", policy.Sales?.Skill);
        Assert.Equal("https://support.constellix.com", policy.WebTicket.Url);
        Assert.Equal(["Business", "Corporate", "SmallBusiness"], policy.Plans.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Parse_ConstellixHours_OpenNineToSixEasternOnWeekdaysOnly()
    {
        var monday = Eastern(2026, 6, 8, 0, 0);

        var week = Constellix.Coverage.IntervalsFrom(monday).Take(6).ToList();

        Assert.All(week.Take(5).Select((interval, i) => (interval, i)), x =>
        {
            Assert.Equal(new LocalDateTime(2026, 6, 8 + x.i, 9, 0), Local(x.interval.Start, NewYork));
            Assert.Equal(new LocalDateTime(2026, 6, 8 + x.i, 18, 0), Local(x.interval.End, NewYork));
        });
        Assert.Equal(new LocalDateTime(2026, 6, 15, 9, 0), Local(week[5].Start, NewYork));
    }

    [Fact]
    public void Parse_ConstellixCorporate_HasContractOfTwoIncludedTwoHourIncidentsAndContractRates()
    {
        var corporate = Constellix.Plan("Corporate")!;
        var contract = corporate.Contract!;

        Assert.Equal(1, corporate.Priority);
        Assert.False(corporate.QueueAllowed);
        Assert.Equal(PhoneOffer.Live, corporate.Phone[Window.Business]);
        Assert.All([Window.Night, Window.Weekend, Window.Holiday], w => Assert.Equal(PhoneOffer.NotCovered, corporate.Phone[w]));
        Assert.Equal(2, contract.IncludedIncidents);
        Assert.Equal(Duration.FromHours(2), contract.IncludedTalkPerIncident);
        Assert.Equal([Window.Night, Window.Weekend, Window.Holiday], contract.IncludedWindows.ToArray());
        Assert.Equal(12000, contract.RatesPerHour[Window.Night]);
        Assert.Equal(12000, contract.RatesPerHour[Window.Weekend]);
        Assert.Equal(26000, contract.RatesPerHour[Window.Holiday]);
        Assert.False(contract.RatesPerHour.ContainsKey(Window.Business));
    }

    [Theory]
    [InlineData("Business")]
    [InlineData("SmallBusiness")]
    public void Parse_ConstellixMembership_BuysBusinessHoursAndIsQuotedAfterHours(string planName)
    {
        var plan = Constellix.Plan(planName)!;

        Assert.Equal(2, plan.Priority);
        Assert.False(plan.QueueAllowed);
        Assert.Null(plan.Contract);
        Assert.Equal(PhoneOffer.Purchase, plan.Phone[Window.Business]);
        Assert.All([Window.Night, Window.Weekend, Window.Holiday], w => Assert.Equal(PhoneOffer.Quote, plan.Phone[w]));
        Assert.Equal(8500, plan.RatesPerHour[Window.Business]);
        Assert.Equal(19000, plan.RatesPerHour[Window.Night]);
        Assert.Equal(19000, plan.RatesPerHour[Window.Weekend]);
        Assert.Equal(29000, plan.RatesPerHour[Window.Holiday]);
        Assert.Equal([new PurchaseOption(30, 4250), new PurchaseOption(60, 8500)], plan.PurchaseOptions.ToArray());
    }

    [Fact]
    public void Parse_Constructor_CarriesZurichHoursAndNoHolidays()
    {
        var policy = Constructor;

        Assert.Equal("chf", policy.Currency);
        Assert.Equal("Europe/Zurich", policy.Coverage.Zone.Id);
        Assert.Equal("Monday to Friday, 08:00 to 20:00 (Europe/Zurich)", policy.Coverage.Describe());
        Assert.Empty(policy.Coverage.Holidays.In(2026));
        Assert.Null(policy.CallbackPromise);
        Assert.Equal(new BillingRule(Duration.FromMinutes(30), 1), policy.Billing);
        Assert.Equal(new IdentificationRules(3, 5, Duration.FromHours(1), Duration.FromHours(1)), policy.Identification);
        Assert.Equal(["Premier", "Proctored", "Standard"], policy.Plans.Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("Standard", 1, 240, 0)]
    [InlineData("Standard", 2, 480, 0)]
    [InlineData("Standard", 3, 0, 1)]
    [InlineData("Standard", 4, 0, 3)]
    [InlineData("Premier", 1, 15, 0)]
    [InlineData("Premier", 2, 30, 0)]
    [InlineData("Premier", 3, 120, 0)]
    [InlineData("Premier", 4, 0, 1)]
    [InlineData("Proctored", 1, 240, 0)]
    [InlineData("Proctored", 2, 480, 0)]
    [InlineData("Proctored", 3, 0, 1)]
    [InlineData("Proctored", 4, 0, 3)]
    public void Parse_ConstructorTargets_AreOnTheCoverageClockWithTwelveHourBusinessDays(string planName, int severity, int minutes, int businessDays)
    {
        var targets = Constructor.Plan(planName)!.Targets!;

        Assert.Equal(ClockKind.Coverage, targets.Clock);
        Assert.Equal(Duration.FromHours(12), targets.BusinessDay);
        Assert.Equal(new ResponseTarget(Duration.FromMinutes(minutes), businessDays), targets.BySeverity[severity]);
        Assert.Equal(4, targets.BySeverity.Count);
    }

    [Theory]
    [InlineData(1, 15, 0)]
    [InlineData(2, 45, 0)]
    [InlineData(3, 240, 0)]
    [InlineData(4, 0, 2)]
    public void Parse_ProctoredExamSessionTargets_RunOnTheWallClock(int severity, int minutes, int days)
    {
        var sessions = Constructor.Plan("Proctored")!.ExamSessionTargets!;

        Assert.Equal(ClockKind.Wall, sessions.Clock);
        Assert.Equal(new ResponseTarget(Duration.FromMinutes(minutes), days), sessions.BySeverity[severity]);
    }

    [Theory]
    [InlineData("Standard", 3, true, false, new int[0])]
    [InlineData("Premier", 1, true, true, new[] { 1 })]
    [InlineData("Proctored", 1, true, false, new int[0])]
    public void Parse_ConstructorRouting_QueuesInPriorityOrderAndTriesPremierTamFirst(string planName, int priority, bool queue, bool tamFirst, int[] aroundTheClock)
    {
        var plan = Constructor.Plan(planName)!;

        Assert.Equal(priority, plan.Priority);
        Assert.Equal(queue, plan.QueueAllowed);
        Assert.Equal(tamFirst, plan.TamFirst);
        Assert.Equal(aroundTheClock, plan.AroundTheClock.ToArray());
        Assert.Equal(PhoneOffer.Live, plan.Phone[Window.Business]);
        Assert.All([Window.Night, Window.Weekend, Window.Holiday], w => Assert.Equal(PhoneOffer.Callback, plan.Phone[w]));
        Assert.Empty(plan.RatesPerHour);
    }

    [Theory]
    [InlineData(ConstellixFile, "zone: America/New_York", "zone: America/Nowhere", "zone: America/Nowhere", "'America/Nowhere' is not an IANA time zone")]
    [InlineData(ConstructorFile, "weekdays: \"08:00-20:00\"", "weekdays: \"20:00-08:00\"", "20:00-08:00", "'20:00-08:00' must be a range like 09:00-18:00")]
    [InlineData(ConstellixFile, "weekdays: \"09:00-18:00\"", "weekdays: \"9am-6pm\"", "9am-6pm", "'9am-6pm' must be a range like 09:00-18:00")]
    [InlineData(ConstellixFile, "weekdays: \"09:00-18:00\"", "workdays: \"09:00-18:00\"", "workdays:", "coverage: 'workdays' must be 'weekdays' or a day name")]
    [InlineData(ConstellixFile, "night: notCovered", "nite: notCovered", "nite: notCovered", "'nite' is not a window")]
    [InlineData(ConstellixFile, "ratesPerHour: { night: 12000", "ratesPerHour: { evening: 12000", "evening: 12000", "'evening' is not a window")]
    [InlineData(ConstellixFile, "ratesPerHour: { business: 8500, ", "ratesPerHour: { ", "phone: { business: purchase", "plan 'Business': the business window offers purchase but 'ratesPerHour' has no business rate")]
    [InlineData(ConstellixFile, "weekend: 19000, holiday: 29000 }", "weekend: 19000 }", "phone: { business: purchase", "plan 'Business': the holiday window offers quote but 'ratesPerHour' has no holiday rate")]
    [InlineData(ConstructorFile, "\"1\": PT15M", "\"1\": PT15X", "PT15X", "plan 'Premier': target 'PT15X' must be a non-negative ISO duration")]
    [InlineData(ConstructorFile, "\"4\": P3D", "\"4\": P3M", "P3M", "plan 'Standard': target 'P3M' must be a non-negative ISO duration")]
    [InlineData(ConstructorFile, "\"1\": PT4H", "\"1\": 4 hours", "4 hours", "plan 'Standard': target '4 hours' must be a non-negative ISO duration")]
    [InlineData(ConstructorFile, "\"1\": PT4H", "\"1\": PT-4H", "PT-4H", "plan 'Standard': target 'PT-4H' must be a non-negative ISO duration")]
    [InlineData(ConstellixFile, "step: PT30M", "step: PT0M", "step: PT0M", "'step': 'PT0M' must be a positive ISO duration")]
    [InlineData(ConstructorFile, "step: PT30M", "step: PT-30M", "step: PT-30M", "'step': 'PT-30M' must be a positive ISO duration")]
    [InlineData(ConstellixFile, "  within: PT1H\n", "  within: PT-1H\n", "within: PT-1H", "'within': 'PT-1H' must be a positive ISO duration")]
    [InlineData(ConstellixFile, "includedTalkPerIncident: PT2H", "includedTalkPerIncident: 2 hours", "2 hours", "'includedTalkPerIncident': '2 hours' must be a positive ISO duration")]
    [InlineData(ConstellixFile, "webTicket:", "webTiket:", "webTiket:", "policy file: unknown key 'webTiket'")]
    [InlineData(ConstructorFile, "tamFirst: true", "tamFrist: true", "tamFrist", "plan 'Premier': unknown key 'tamFrist'")]
    [InlineData(ConstellixFile, "includedIncidents: 2", "includedIncident: 2", "includedIncident:", "plan 'Corporate' contract: unknown key 'includedIncident'")]
    [InlineData(ConstellixFile, "weekday: monday, nth: 3", "weekDay: monday, nth: 3", "weekDay:", "holiday rule: unknown key 'weekDay'")]
    [InlineData(ConstellixFile, "  within: PT1H\n", "  withn: PT1H\n", "withn:", "unknown key 'withn'")]
    [InlineData(ConstellixFile, "failures: 5, within: PT1H", "failures: 5, whithin: PT1H", "whithin:", "unknown key 'whithin'")]
    [InlineData(ConstellixFile, "minimumSteps: 1", "minimumStep: 1", "minimumStep:", "unknown key 'minimumStep'")]
    [InlineData(ConstellixFile, "maxTriesPerCall: 3", "maxTries: 3", "maxTries:", "unknown key 'maxTries'")]
    [InlineData(ConstellixFile, "skill: sales", "skil: sales", "skil:", "unknown key 'skil'")]
    [InlineData(ConstellixFile, "observed: { saturday: friday", "observed: { saturdya: friday", "saturdya:", "unknown key 'saturdya'")]
    [InlineData(ConstructorFile, "businessDay: PT12H", "businessDays: PT12H", "businessDays:", "unknown key 'businessDays'")]
    [InlineData(ConstructorFile, "spoken: \"the Constructor", "spokn: \"the Constructor", "spokn:", "unknown key 'spokn'")]
    [InlineData(ConstructorFile, "examSessions:", "examSession:", "examSession:", "plan 'Proctored': unknown key 'examSession'")]
    [InlineData(ConstructorFile, "\n      targets: { clock: wall", "\n      target: { clock: wall", "target:", "examSessions: unknown key 'target'")]
    [InlineData(ConstructorFile, "clock: wall, \"1\": PT15M", "clock: wall, \"sev1\": PT15M", "sev1", "plan 'Proctored' targets: unknown key 'sev1'")]
    public void Parse_BrokenPolicy_ReportsFileLineAndReason(string fileName, string find, string replace, string lineMarker, string reason)
    {
        var broken = Replace(Text(fileName), find, replace);

        var (policy, errors) = PolicyParser.Parse(fileName, broken);

        Assert.Null(policy);
        var line = LineOf(broken, lineMarker);
        Assert.Contains(errors, e => e.File == fileName && e.Line == line && e.Message.Contains(reason, StringComparison.Ordinal));
        Assert.DoesNotContain(errors, e => e.Line <= 0 || e.File != fileName);
    }

    [Fact]
    public void Parse_NotAMapping_ReportsLineOne()
    {
        var (policy, errors) = PolicyParser.Parse("empty.policy.yaml", "- just a list");

        Assert.Null(policy);
        Assert.Equal([new FlowError("empty.policy.yaml", 1, "the file must be a mapping with 'provider', 'version', 'zone', 'coverage' and 'plans'")], errors);
    }

    private static string Replace(string text, string find, string replace)
    {
        var at = text.IndexOf(find, StringComparison.Ordinal);
        Assert.True(at >= 0, $"'{find}' is not in the shipped policy");
        return string.Concat(text.AsSpan(0, at), replace, text.AsSpan(at + find.Length));
    }

    private static int LineOf(string text, string marker)
    {
        var at = text.IndexOf(marker, StringComparison.Ordinal);
        Assert.True(at >= 0, $"'{marker}' is not in the broken policy");
        return text.AsSpan(0, at).Count('\n') + 1;
    }

    [Fact]
    public void Parse_PlanInvoicing_DefaultsToPerIncident_AcceptsMonthly_AndRefusesOthersWithTheLine()
    {
        Assert.All(Constellix.Plans.Values, p => Assert.Equal(Invoicing.PerIncident, p.Invoicing));
        var monthly = Text(ConstellixFile).Replace("  Corporate:\n", "  Corporate:\n    invoicing: monthly\n", StringComparison.Ordinal);
        var weekly = Text(ConstellixFile).Replace("  Corporate:\n", "  Corporate:\n    invoicing: weekly\n", StringComparison.Ordinal);

        var (policy, errors) = PolicyParser.Parse(ConstellixFile, monthly);
        var (_, refused) = PolicyParser.Parse(ConstellixFile, weekly);

        Assert.Empty(errors);
        Assert.Equal(Invoicing.Monthly, policy!.Plan("Corporate")!.Invoicing);
        Assert.Equal(Invoicing.PerIncident, policy.Plan("Business")!.Invoicing);
        Assert.Contains(refused, e => e.ToString().Contains("invoicing 'weekly' must be perIncident or monthly", StringComparison.Ordinal));
    }
}
