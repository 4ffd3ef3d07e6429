using System.Collections.Immutable;
using System.Globalization;
using NodaTime;

namespace PhoneSupport.Domain.Policies;

/// <summary>Whether a policy value is new in the later version, gone from it, or different.</summary>
public enum PolicyChangeKind { Added, Removed, Changed }

/// <summary>
/// One difference between two policy versions: its <see cref="Section"/> (one of <see cref="PolicyDiff.Sections"/>), the
/// <see cref="Path"/> of the value as the file spells it (<c>plans.Premier.targets.2</c>), what people call it
/// (<see cref="Label"/>: "Premier severity 2 target"), its text before and after (null where absent) and a sentence
/// ("Premier severity 2 target: PT4H → PT2H").
/// </summary>
public sealed record PolicyChange(string Section, string Path, string Label, PolicyChangeKind Kind, string? Before, string? After, string Summary);

/// <summary>
/// What changes between two versions of a provider's policy, value by value, in a fixed order: the sections in
/// <see cref="Sections"/> order, and within a section the file's order (weekdays Monday first, windows business to
/// holiday, holidays in calendar order, plans by name, severities and purchase options ascending). Both policies are flattened into facts (a path, a label and the
/// value as text); a path with different texts is a change. A plan that only one version has is one change, its
/// terms in one line. Run-time closures are not part of a policy (they have their own API) and are left out.
/// </summary>
public static class PolicyDiff
{
    public static readonly ImmutableArray<string> Sections =
        ["general", "coverage", "holidays", "webTicket", "billing", "identification", "callbackPromise", "sales", "phoneNumbers", "plans"];

    /// <summary>
    /// The properties of each type reachable from <see cref="SupportPolicy"/> that the diff compares. A test walks the
    /// types and fails on a property that is neither here nor in <see cref="LeftOut"/>, so a new policy field cannot
    /// silently escape the diff.
    /// </summary>
    public static IReadOnlyDictionary<Type, ImmutableArray<string>> Compared { get; } = new Dictionary<Type, ImmutableArray<string>>
    {
        [typeof(SupportPolicy)] =
        [
            nameof(SupportPolicy.Provider), nameof(SupportPolicy.Version), nameof(SupportPolicy.Name), nameof(SupportPolicy.Currency),
            nameof(SupportPolicy.Coverage), nameof(SupportPolicy.WebTicket), nameof(SupportPolicy.Billing), nameof(SupportPolicy.Identification),
            nameof(SupportPolicy.CallbackPromise), nameof(SupportPolicy.Sales), nameof(SupportPolicy.Plans), nameof(SupportPolicy.PhoneNumbers),
        ],
        [typeof(CoverageCalendar)] = [nameof(CoverageCalendar.Zone), nameof(CoverageCalendar.WeeklyHours), nameof(CoverageCalendar.Holidays)],
        [typeof(DailyHours)] = [nameof(DailyHours.Day), nameof(DailyHours.Opens), nameof(DailyHours.Closes)],
        [typeof(HolidayCalendar)] =
            [nameof(HolidayCalendar.Rules), nameof(HolidayCalendar.Dates), nameof(HolidayCalendar.SaturdayObservedOn), nameof(HolidayCalendar.SundayObservedOn)],
        [typeof(HolidayRule)] =
            [nameof(HolidayRule.Name), nameof(HolidayRule.Month), nameof(HolidayRule.Day), nameof(HolidayRule.Weekday), nameof(HolidayRule.Nth), nameof(HolidayRule.FromYear)],
        [typeof(WebTicket)] = [nameof(WebTicket.Url), nameof(WebTicket.Spoken)],
        [typeof(BillingRule)] = [nameof(BillingRule.Step), nameof(BillingRule.MinimumSteps)],
        [typeof(IdentificationRules)] =
        [
            nameof(IdentificationRules.MaxTriesPerCall), nameof(IdentificationRules.LockoutFailures), nameof(IdentificationRules.LockoutWithin),
            nameof(IdentificationRules.LockoutFor),
        ],
        [typeof(CallbackPromise)] = [nameof(CallbackPromise.Within), nameof(CallbackPromise.Clock)],
        [typeof(SalesService)] = [nameof(SalesService.Skill), nameof(SalesService.Business), nameof(SalesService.AfterHours)],
        [typeof(NationalNumbers)] = [nameof(NationalNumbers.CountryCode), nameof(NationalNumbers.NationalNumberLength), nameof(NationalNumbers.TrunkPrefix)],
        [typeof(Plan)] =
        [
            nameof(Plan.Name), nameof(Plan.Priority), nameof(Plan.QueueAllowed), nameof(Plan.TamFirst), nameof(Plan.Invoicing), nameof(Plan.Phone),
            nameof(Plan.RatesPerHour), nameof(Plan.PurchaseOptions), nameof(Plan.Contract), nameof(Plan.Targets), nameof(Plan.ExamSessionTargets),
            nameof(Plan.AroundTheClock),
        ],
        [typeof(PurchaseOption)] = [nameof(PurchaseOption.Minutes), nameof(PurchaseOption.Price)],
        [typeof(ContractTerms)] =
        [
            nameof(ContractTerms.IncludedIncidents), nameof(ContractTerms.IncludedTalkPerIncident), nameof(ContractTerms.IncludedWindows),
            nameof(ContractTerms.RatesPerHour),
        ],
        [typeof(ResponseTargets)] = [nameof(ResponseTargets.Clock), nameof(ResponseTargets.BusinessDay), nameof(ResponseTargets.BySeverity)],
        [typeof(ResponseTarget)] = [nameof(ResponseTarget.Duration), nameof(ResponseTarget.BusinessDays)],
    };

    /// <summary>Properties deliberately not compared, with why.</summary>
    public static IReadOnlyDictionary<(Type Type, string Property), string> LeftOut { get; } = new Dictionary<(Type, string), string>
    {
        [(typeof(SupportPolicy), nameof(SupportPolicy.FileName))] = "where the text came from, not what it says",
        [(typeof(CoverageCalendar), nameof(CoverageCalendar.Closures))] = "run-time closures have their own API; they are not part of a policy version",
    };

    public static IReadOnlyList<PolicyChange> Between(SupportPolicy before, SupportPolicy after)
    {
        var (old, @new) = (Facts(before), Facts(after));
        var changes = new List<(string Order, PolicyChange Change)>();
        foreach (var plan in before.Plans.Keys.Except(after.Plans.Keys))
            changes.Add((PlanOrder(plan), new PolicyChange("plans", $"plans.{plan}", $"Plan {plan}", PolicyChangeKind.Removed, PlanText(old, plan), null, $"Plan {plan} removed")));
        foreach (var plan in after.Plans.Keys.Except(before.Plans.Keys))
            changes.Add((PlanOrder(plan), new PolicyChange("plans", $"plans.{plan}", $"Plan {plan}", PolicyChangeKind.Added, null, PlanText(@new, plan), $"Plan {plan} added")));
        var onlyOnOneSide = before.Plans.Keys.Except(after.Plans.Keys).Concat(after.Plans.Keys.Except(before.Plans.Keys)).ToHashSet(StringComparer.Ordinal);

        foreach (var path in old.Keys.Union(@new.Keys, StringComparer.Ordinal))
        {
            var (was, now) = (old.GetValueOrDefault(path), @new.GetValueOrDefault(path));
            var fact = now ?? was!;
            if (fact.Plan is { } p && onlyOnOneSide.Contains(p)) continue;
            if (was?.Text == now?.Text) continue;
            var kind = was is null ? PolicyChangeKind.Added : now is null ? PolicyChangeKind.Removed : PolicyChangeKind.Changed;
            var summary = kind switch
            {
                PolicyChangeKind.Added => $"{fact.Label} added: {now!.Text}",
                PolicyChangeKind.Removed => $"{fact.Label} removed (was {was!.Text})",
                _ => $"{fact.Label}{(fact.Moves ? " moved" : "")}: {was!.Text} → {now!.Text}",
            };
            changes.Add((fact.Order, new PolicyChange(fact.Section, path, fact.Label, kind, was?.Text, now?.Text, summary)));
        }
        return [.. changes.OrderBy(c => c.Order, StringComparer.Ordinal).Select(c => c.Change)];
    }

    /// <summary>One value of a policy: where it is, what people call it, and its text.</summary>
    private sealed record Fact(string Section, string Order, string Path, string Label, string Text, string? Plan = null, bool Moves = false);

    private const char Sep = '\u0001';

    private static string PlanOrder(string plan) => $"{Sections.IndexOf("plans"):00}{Sep}{plan}";

    /// <summary>A plan only one version has, in one line: "priority 2; queue false; phone.business purchase; …".</summary>
    private static string PlanText(Dictionary<string, Fact> facts, string plan) =>
        string.Join("; ", facts.Values.Where(f => f.Plan == plan).OrderBy(f => f.Order, StringComparer.Ordinal)
            .Select(f => $"{f.Path[($"plans.{plan}.".Length)..]} {f.Text}"));

    private static Dictionary<string, Fact> Facts(SupportPolicy policy)
    {
        var facts = new Dictionary<string, Fact>(StringComparer.Ordinal);
        var currency = policy.Currency;

        void Add(string section, string key, string path, string label, string? text, string? plan = null, bool moves = false)
        {
            if (text is null) return;
            var order = $"{Sections.IndexOf(section):00}{Sep}{key}";
            facts[path] = new Fact(section, order, path, label, text, plan, moves);
        }

        Add("general", "0", "provider", "Provider", policy.Provider);
        Add("general", "1", "version", "Version", policy.Version);
        Add("general", "2", "name", "Name", policy.Name);
        Add("general", "3", "currency", "Currency", policy.Currency);
        Add("general", "4", "zone", "Time zone", policy.Coverage.Zone.Id);

        foreach (var day in policy.Coverage.WeeklyHours)
            Add("coverage", ((int)day.Day).ToString(CultureInfo.InvariantCulture), $"coverage.{DayName(day.Day)}", $"{Capital(DayName(day.Day))} hours",
                $"{day.Opens.ToString("HH:mm", CultureInfo.InvariantCulture)}-{day.Closes.ToString("HH:mm", CultureInfo.InvariantCulture)}");

        var holidays = policy.Coverage.Holidays;
        Add("holidays", "0", "holidays.observed.saturday", "Saturday holidays observed on", holidays.SaturdayObservedOn is { } sat ? Capital(DayName(sat)) : null);
        Add("holidays", "1", "holidays.observed.sunday", "Sunday holidays observed on", holidays.SundayObservedOn is { } sun ? Capital(DayName(sun)) : null);
        foreach (var (rule, key) in Keyed(holidays.Rules, r => r.Name))
            Add("holidays", $"2{Sep}{CalendarOrder(rule)}{Sep}{key}", $"holidays.rules.{key}", $"Holiday '{rule.Name}'", RuleText(rule), moves: true);
        var uniqueNames = holidays.Dates.GroupBy(d => d.Name).Where(g => g.Count() == 1).Select(g => g.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var (date, name) in holidays.Dates)
        {
            // Keyed by name when it is the only date of that name (so a date that moves is one change), else by name and date.
            var key = uniqueNames.Contains(name) ? name : $"{name} {IsoDate(date)}";
            Add("holidays", $"3{Sep}{IsoDate(date)}{Sep}{key}", $"holidays.dates.{key}", $"Holiday '{name}'", IsoDate(date), moves: true);
        }

        Add("webTicket", "0", "webTicket.url", "Web ticket address", policy.WebTicket.Url);
        Add("webTicket", "1", "webTicket.spoken", "Web ticket as spoken", policy.WebTicket.Spoken);

        Add("billing", "0", "billing.step", "Billing step", Iso(policy.Billing.Step));
        Add("billing", "1", "billing.minimumSteps", "Minimum billed steps", Int(policy.Billing.MinimumSteps));

        var id = policy.Identification;
        Add("identification", "0", "identification.maxTriesPerCall", "Identification tries per call", Int(id.MaxTriesPerCall));
        Add("identification", "1", "identification.lockout.failures", "Lockout after wrong numbers", Int(id.LockoutFailures));
        Add("identification", "2", "identification.lockout.within", "Lockout counts wrong numbers within", Iso(id.LockoutWithin));
        Add("identification", "3", "identification.lockout.for", "Lockout lasts", Iso(id.LockoutFor));

        Add("callbackPromise", "0", "callbackPromise.within", "Callback promise", policy.CallbackPromise is { } promise ? Iso(promise.Within) : null);
        Add("callbackPromise", "1", "callbackPromise.clock", "Callback promise clock", policy.CallbackPromise is { } p ? ClockName(p.Clock) : null);

        Add("sales", "0", "sales.skill", "Sales skill", policy.Sales?.Skill);
        Add("sales", "1", "sales.business", "Sales in business hours", policy.Sales is { } s1 ? OfferName(s1.Business) : null);
        Add("sales", "2", "sales.afterHours", "Sales after hours", policy.Sales is { } s2 ? OfferName(s2.AfterHours) : null);

        Add("phoneNumbers", "0", "phoneNumbers.countryCode", "Keyed numbers' country code", policy.PhoneNumbers is { } n1 ? "+" + n1.CountryCode : null);
        Add("phoneNumbers", "1", "phoneNumbers.nationalNumberLength", "Keyed national number length", policy.PhoneNumbers is { } n2 ? Int(n2.NationalNumberLength) : null);
        Add("phoneNumbers", "2", "phoneNumbers.trunkPrefix", "Trunk prefix", policy.PhoneNumbers is { } n3 ? (n3.TrunkPrefix.Length == 0 ? "none" : n3.TrunkPrefix) : null);

        foreach (var plan in policy.Plans.Values)
        {
            var name = plan.Name;
            var at = $"plans.{name}.";
            void P(string key, string path, string label, string? text) => Add("plans", $"{name}{Sep}{key}", at + path, $"{name} {label}", text, name);

            P("00", "priority", "priority", Int(plan.Priority));
            P("01", "queue", "queue", Bool(plan.QueueAllowed));
            P("02", "tamFirst", "TAM first", Bool(plan.TamFirst));
            P("03", "invoicing", "invoicing", plan.Invoicing == Invoicing.Monthly ? "monthly" : "perIncident");
            foreach (var (window, offer) in plan.Phone)
                P($"04{Sep}{(int)window}", $"phone.{window.Name()}", $"{window.Name()} phone offer", PhoneOfferName(offer));
            foreach (var (window, rate) in plan.RatesPerHour)
                P($"05{Sep}{(int)window}", $"ratesPerHour.{window.Name()}", $"{window.Name()} rate", Rate(rate, currency));
            foreach (var (option, key) in Keyed(plan.PurchaseOptions, o => Int(o.Minutes).PadLeft(4, '0')))
                P($"06{Sep}{key}", $"purchaseOptions.{key.TrimStart('0')}", $"{Int(option.Minutes)}-minute purchase", Money(option.Price, currency));
            if (plan.Contract is { } c)
            {
                P("07", "contract.includedIncidents", "contract included incidents", Int(c.IncludedIncidents));
                P("08", "contract.includedTalkPerIncident", "contract included talk per incident", Iso(c.IncludedTalkPerIncident));
                P("09", "contract.includedWindows", "contract included windows", c.IncludedWindows.IsEmpty ? "none" : string.Join(", ", c.IncludedWindows.Order().Select(w => w.Name())));
                foreach (var (window, rate) in c.RatesPerHour)
                    P($"10{Sep}{(int)window}", $"contract.ratesPerHour.{window.Name()}", $"contract {window.Name()} rate", Rate(rate, currency));
            }
            Targets("11", "targets", "", plan.Targets);
            Targets("12", "examSessions.targets", "exam-session ", plan.ExamSessionTargets);
            P("13", "aroundTheClock", "around-the-clock severities", plan.AroundTheClock.IsEmpty ? null : string.Join(", ", plan.AroundTheClock.Order().Select(Int)));

            void Targets(string key, string path, string label, ResponseTargets? targets)
            {
                if (targets is null) return;
                P($"{key}{Sep}0", $"{path}.clock", $"{label}target clock", ClockName(targets.Clock));
                P($"{key}{Sep}1", $"{path}.businessDay", $"{label}business day", Iso(targets.BusinessDay));
                foreach (var (severity, target) in targets.BySeverity)
                    P($"{key}{Sep}2{Sep}{Int(severity).PadLeft(4, '0')}", $"{path}.{Int(severity)}", $"{label}severity {Int(severity)} target", TargetText(target));
            }
        }
        return facts;
    }

    /// <summary>Each item with a key unique in the list: its own, or "key #2" for a repeat.</summary>
    private static IEnumerable<(T Item, string Key)> Keyed<T>(IEnumerable<T> items, Func<T, string> key)
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            var k = key(item);
            seen[k] = seen.GetValueOrDefault(k) + 1;
            yield return (item, seen[k] == 1 ? k : $"{k} #{seen[k]}");
        }
    }

    /// <summary>Where a rule falls in a year, roughly (month, then day; the nth weekday as its earliest day), for listing rules in calendar order.</summary>
    private static string CalendarOrder(HolidayRule rule) =>
        string.Create(CultureInfo.InvariantCulture, $"{rule.Month:00}{rule.Day ?? (rule.Nth == -1 ? 25 : ((rule.Nth ?? 1) - 1) * 7 + 1):00}");

    /// <summary>"19 June", "3rd Monday of January", "last Monday of May"; "(from 2021)" when the rule starts in a year.</summary>
    private static string RuleText(HolidayRule rule)
    {
        var month = CultureInfo.InvariantCulture.DateTimeFormat.GetMonthName(rule.Month);
        var text = rule.Day is { } day
            ? $"{Int(day)} {month}"
            : $"{(rule.Nth == -1 ? "last" : Ordinal(rule.Nth ?? 0))} {(rule.Weekday is { } w ? Capital(DayName(w)) : "?")} of {month}";
        return rule.FromYear is { } from ? $"{text} (from {Int(from)})" : text;
    }

    private static string Ordinal(int n) => n switch { 1 => "1st", 2 => "2nd", 3 => "3rd", _ => $"{Int(n)}th" };

    /// <summary>A response target as the policy file writes it: <c>PT15M</c>, <c>P1D</c> (business days), <c>P1DT4H</c>.</summary>
    private static string TargetText(ResponseTarget target) =>
        target.BusinessDays == 0 ? Iso(target.Duration)
        : target.Duration == Duration.Zero ? $"P{Int(target.BusinessDays)}D"
        : $"P{Int(target.BusinessDays)}D{Iso(target.Duration)[1..]}";

    /// <summary>A duration in hours, minutes and seconds (<c>PT30M</c>, <c>PT24H</c>), never folded into days.</summary>
    private static string Iso(Duration duration)
    {
        var (hours, minutes, seconds) = ((long)Math.Floor(duration.TotalHours), duration.Minutes, duration.Seconds);
        var text = string.Create(CultureInfo.InvariantCulture,
            $"PT{(hours > 0 ? $"{hours}H" : "")}{(minutes > 0 ? $"{minutes}M" : "")}{(seconds > 0 ? $"{seconds}S" : "")}");
        return text == "PT" ? "PT0S" : text;
    }

    /// <summary>Minor units with the currency's sign: 12000 usd "$120.00", 9000 chf "CHF 90.00".</summary>
    private static string Money(long minor, string currency) => currency switch
    {
        "usd" => string.Create(CultureInfo.InvariantCulture, $"${minor / 100m:N2}"),
        "eur" => string.Create(CultureInfo.InvariantCulture, $"€{minor / 100m:N2}"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{currency.ToUpperInvariant()} {minor / 100m:N2}"),
    };

    private static string Rate(long minorPerHour, string currency) => Money(minorPerHour, currency) + "/h";

    private static string IsoDate(LocalDate date) => date.ToString("uuuu-MM-dd", CultureInfo.InvariantCulture);

    private static string Int(int n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Bool(bool b) => b ? "true" : "false";

    private static string DayName(IsoDayOfWeek day) => day.ToString().ToLowerInvariant();

    private static string Capital(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];

    private static string ClockName(ClockKind clock) => clock == ClockKind.Wall ? "wall" : "coverage";

    private static string OfferName(SalesOffer offer) => offer == SalesOffer.Live ? "live" : "message";

    private static string PhoneOfferName(PhoneOffer offer) => offer switch
    {
        PhoneOffer.Live => "live",
        PhoneOffer.Purchase => "purchase",
        PhoneOffer.Quote => "quote",
        PhoneOffer.Callback => "callback",
        _ => "notCovered",
    };
}
