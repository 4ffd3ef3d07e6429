using System.Collections.Immutable;
using System.Globalization;
using NodaTime;
using NodaTime.Text;
using YamlDotNet.RepresentationModel;
using PhoneSupport.Domain.Flows;

namespace PhoneSupport.Domain.Policies;

/// <summary>
/// Reads a support policy from YAML text (<c>ivr-flows/*.policy.yaml</c>; schema in <c>ivr-flows/POLICIES.md</c>),
/// reporting every problem with its line.
/// </summary>
public sealed class PolicyParser : Yaml.YamlFileReader
{
    private static readonly KeySet TopKeys = new("provider", "version", "name", "currency", "zone", "coverage", "holidays", "webTicket", "billing", "identification", "callbackPromise", "sales", "phoneNumbers", "plans");
    private static readonly KeySet PlanKeys = new("priority", "queue", "tamFirst", "phone", "ratesPerHour", "purchaseOptions", "contract", "targets", "aroundTheClock", "examSessions", "invoicing");
    private static readonly string[] Weekdays = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

    private DateTimeZone _zone = DateTimeZone.Utc;

    private PolicyParser(string file) : base(file) { }

    public static (SupportPolicy? Policy, IReadOnlyList<FlowError> Errors) Parse(string fileName, string yaml)
    {
        var parser = new PolicyParser(fileName);
        var policy = parser.ParseDocument(yaml);
        return (parser.Errors.Count == 0 ? policy : null, parser.Errors);
    }

    private SupportPolicy? ParseDocument(string yaml)
    {
        if (LoadRoot(yaml, "'provider', 'version', 'zone', 'coverage' and 'plans'") is not { } root) return null;
        CheckKeys(root, TopKeys, "policy file");
        CheckSection(root, "webTicket", "url", "spoken");
        CheckSection(root, "billing", "step", "minimumSteps");
        CheckSection(root, "identification", "maxTriesPerCall", "lockout");
        CheckSection(root, "callbackPromise", "within", "clock");
        CheckSection(root, "sales", "skill", "business", "afterHours");
        CheckSection(root, "phoneNumbers", "countryCode", "nationalNumberLength", "trunkPrefix");
        var provider = RequiredScalar(root, "provider") ?? "";
        var version = RequiredScalar(root, "version") ?? "";
        var currency = Scalar(root, "currency") ?? "usd";
        if (currency.Length != 3 || !currency.All(char.IsAsciiLetterLower)) Error(Line(root, "currency", root), $"currency '{currency}' must be a lower-case ISO code like usd");
        var zoneId = RequiredScalar(root, "zone") ?? "UTC";
        _zone = DateTimeZoneProviders.Tzdb.GetZoneOrNull(zoneId) ?? ZoneError(root, zoneId);
        var coverage = new CoverageCalendar(_zone, ParseHours(root), ParseHolidays(root));
        var web = Child(root, "webTicket") as YamlMappingNode;
        var webTicket = new WebTicket(web is null ? "" : RequiredScalar(web, "url") ?? "", web is null ? "" : RequiredScalar(web, "spoken") ?? "");
        if (web is null) Error(LineOf(root), "'webTicket' (url, spoken) is required: every 'no' needs somewhere to go");
        var billing = Child(root, "billing") as YamlMappingNode;
        var billingRule = new BillingRule(Duration(billing, "step") ?? NodaTime.Duration.FromMinutes(30), billing is null ? 1 : Int(billing, "minimumSteps", 0, 100) ?? 1);
        var identification = ParseIdentification(root);
        var promise = Child(root, "callbackPromise") is YamlMappingNode p && Duration(p, "within") is { } within ? new CallbackPromise(within, PromiseClock(p)) : null;
        var sales = Child(root, "sales") is YamlMappingNode s
            ? new SalesService(Scalar(s, "skill") ?? "sales", Sales(s, "business") ?? SalesOffer.Live, Sales(s, "afterHours") ?? SalesOffer.Message) : null;
        var plans = ParsePlans(root, currency);
        return new SupportPolicy(provider, version, Scalar(root, "name") ?? provider, File, currency, coverage, webTicket, billingRule, identification, promise, sales, plans,
            ParsePhoneNumbers(root));
    }

    private SalesOffer? Sales(YamlMappingNode sales, string key)
    {
        switch (Scalar(sales, key))
        {
            case null: return null;
            case "live": return SalesOffer.Live;
            case "message": return SalesOffer.Message;
            case var other:
                Error(Line(sales, key, sales), $"sales.{key}: '{other}' must be live or message");
                return null;
        }
    }

    /// <summary><c>phoneNumbers: { countryCode: "1", nationalNumberLength: 10, trunkPrefix: "0" }</c>: numbers callers key without a prefix.</summary>
    private NationalNumbers? ParsePhoneNumbers(YamlMappingNode root)
    {
        if (Child(root, "phoneNumbers") is not YamlMappingNode map) return null;
        var country = RequiredScalar(map, "countryCode") ?? "";
        if (country.Length > 0 && (country.Length > 3 || !country.All(char.IsAsciiDigit) || country[0] == '0'))
            Error(Line(map, "countryCode", map), $"phoneNumbers.countryCode '{country}' must be 1 to 3 digits, not starting with 0 (like \"1\" or \"64\")");
        var trunk = Scalar(map, "trunkPrefix") ?? "";
        if (!trunk.All(char.IsAsciiDigit) || trunk.Length > 2)
            Error(Line(map, "trunkPrefix", map), $"phoneNumbers.trunkPrefix '{trunk}' must be at most 2 digits (like \"0\")");
        var length = Int(map, "nationalNumberLength", 4, 14);
        if (Scalar(map, "nationalNumberLength") is null) Error(LineOf(map), "phoneNumbers.nationalNumberLength (4-14 digits) is required");
        return new NationalNumbers(country, length ?? 10, trunk);
    }

    /// <summary><c>callbackPromise.clock</c>: <c>wall</c> (the default) or <c>coverage</c>.</summary>
    private ClockKind PromiseClock(YamlMappingNode promise)
    {
        switch (Scalar(promise, "clock"))
        {
            case null or "wall": return ClockKind.Wall;
            case "coverage": return ClockKind.Coverage;
            case var other:
                Error(Line(promise, "clock", promise), $"callbackPromise clock '{other}' must be wall or coverage");
                return ClockKind.Wall;
        }
    }

    private DateTimeZone ZoneError(YamlMappingNode root, string zoneId)
    {
        Error(Line(root, "zone", root), $"'{zoneId}' is not an IANA time zone (like America/New_York)");
        return DateTimeZone.Utc;
    }

    private IEnumerable<DailyHours> ParseHours(YamlMappingNode root)
    {
        if (Child(root, "coverage") is not YamlMappingNode map) { Error(LineOf(root), "'coverage' (weekly hours) is required"); return []; }
        var result = new List<DailyHours>();
        foreach (var (key, value) in map.Children)
        {
            var name = KeyOf(key);
            var days = name == "weekdays" ? Weekdays[..5] : Weekdays.Contains(name) ? [name] : null;
            if (days is null) { Error(LineOf(key), $"coverage: '{name}' must be 'weekdays' or a day name like monday"); continue; }
            var range = (value as YamlScalarNode)?.Value ?? "";
            var parts = range.Split('-');
            var opens = parts.Length == 2 ? LocalTimePattern.CreateWithInvariantCulture("HH:mm").Parse(parts[0].Trim()) : null;
            var closes = parts.Length == 2 ? LocalTimePattern.CreateWithInvariantCulture("HH:mm").Parse(parts[1].Trim()) : null;
            if (opens is null || closes is null || !opens.Success || !closes.Success || opens.Value >= closes.Value)
            {
                Error(LineOf(value), $"coverage: '{range}' must be a range like 09:00-18:00 (start before end)");
                continue;
            }
            result.AddRange(days.Select(d => new DailyHours(Enum.Parse<IsoDayOfWeek>(d, true), opens.Value, closes.Value)));
        }
        return result;
    }

    private HolidayCalendar ParseHolidays(YamlMappingNode root)
    {
        if (Child(root, "holidays") is not YamlMappingNode map) return HolidayCalendar.None;
        CheckKeys(map, new KeySet("observed", "rules", "dates"), "holidays");
        CheckSection(map, "observed", "saturday", "sunday");
        IsoDayOfWeek? saturday = null, sunday = null;
        if (Child(map, "observed") is YamlMappingNode observed)
        {
            saturday = Day(observed, "saturday");
            sunday = Day(observed, "sunday");
        }
        var rules = new List<HolidayRule>();
        foreach (var node in (Child(map, "rules") as YamlSequenceNode)?.Children ?? [])
            if (node is YamlMappingNode rule && ParseRule(rule) is { } parsed) rules.Add(parsed);
        var dates = new List<(LocalDate, string)>();
        foreach (var node in (Child(map, "dates") as YamlSequenceNode)?.Children ?? [])
        {
            var text = node is YamlMappingNode d ? Scalar(d, "date") : null;
            var parsed = text is null ? null : LocalDatePattern.Iso.Parse(text);
            if (parsed is null || !parsed.Success) { Error(LineOf(node), "a holiday date must be { date: YYYY-MM-DD, name: ... }"); continue; }
            dates.Add((parsed.Value, Scalar((YamlMappingNode)node, "name") ?? "Holiday"));
        }
        return new HolidayCalendar(rules, dates, saturday, sunday);
    }

    private HolidayRule? ParseRule(YamlMappingNode rule)
    {
        CheckKeys(rule, new KeySet("name", "date", "month", "weekday", "nth", "from"), "holiday rule");
        var name = RequiredScalar(rule, "name") ?? "";
        var from = Int(rule, "from", 1900, 3000);
        if (Scalar(rule, "date") is { } date)
        {
            var parts = date.Split('-');
            if (parts.Length == 2 && int.TryParse(parts[0], CultureInfo.InvariantCulture, out var m) && int.TryParse(parts[1], CultureInfo.InvariantCulture, out var d)
                && m is >= 1 and <= 12 && d >= 1 && d <= CalendarSystem.Iso.GetDaysInMonth(2024, m))
                return new HolidayRule(name, m, d, null, null, from);
            Error(Line(rule, "date", rule), $"holiday '{name}': date '{date}' must be MM-DD");
            return null;
        }
        var month = Int(rule, "month", 1, 12);
        var weekday = Day(rule, "weekday");
        var nthText = Scalar(rule, "nth");
        int? nth = nthText == "last" ? -1 : int.TryParse(nthText, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 4 ? n : null;
        if (month is null || weekday is null || nth is null)
        {
            Error(LineOf(rule), $"holiday '{name}' needs either date: MM-DD, or month, weekday and nth (1-4 or last)");
            return null;
        }
        return new HolidayRule(name, month.Value, null, weekday, nth, from);
    }

    private IdentificationRules ParseIdentification(YamlMappingNode root)
    {
        var map = Child(root, "identification") as YamlMappingNode;
        var lockout = map is null ? null : Child(map, "lockout") as YamlMappingNode;
        if (map is not null) CheckSection(map, "lockout", "failures", "within", "for");
        return new IdentificationRules(
            map is null ? 3 : Int(map, "maxTriesPerCall", 1, 10) ?? 3,
            lockout is null ? 5 : Int(lockout, "failures", 1, 100) ?? 5,
            Duration(lockout, "within") ?? NodaTime.Duration.FromHours(1),
            Duration(lockout, "for") ?? NodaTime.Duration.FromHours(1));
    }

    private ImmutableDictionary<string, Plan> ParsePlans(YamlMappingNode root, string currency)
    {
        var result = ImmutableDictionary.CreateBuilder<string, Plan>(StringComparer.Ordinal);
        if (Child(root, "plans") is not YamlMappingNode plans || plans.Children.Count == 0)
        {
            Error(LineOf(root), "'plans' must name at least one membership or programme");
            return result.ToImmutable();
        }
        foreach (var (key, value) in plans.Children)
        {
            var name = KeyOf(key);
            if (value is not YamlMappingNode plan) { Error(LineOf(value), $"plan '{name}' must be a mapping"); continue; }
            CheckKeys(plan, PlanKeys, $"plan '{name}'");
            CheckSection(plan, "examSessions", "targets");
            var phone = ParseWindowMap<PhoneOffer>(plan, "phone", text => text.Length > 0 && char.IsLower(text[0]) && Enum.TryParse<PhoneOffer>(text, true, out var o) ? o : null, "live, purchase, quote, callback or notCovered");
            foreach (var window in Enum.GetValues<Window>().Where(w => !phone.ContainsKey(w)))
                Error(Line(plan, "phone", plan), $"plan '{name}': 'phone' must say what the {window.Name()} window offers");
            var rates = ParseWindowMap(plan, "ratesPerHour", text => long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : (long?)null, "an amount in minor units");
            foreach (var (window, offer) in phone.Where(p => p.Value is PhoneOffer.Purchase or PhoneOffer.Quote && !rates.ContainsKey(p.Key)))
                Error(Line(plan, "phone", plan), $"plan '{name}': the {window.Name()} window offers {offer.ToString().ToLowerInvariant()} but 'ratesPerHour' has no {window.Name()} rate");
            var targets = Child(plan, "targets") is YamlMappingNode t ? ParseTargets(t, name) : null;
            var sessions = Child(plan, "examSessions") is YamlMappingNode e && Child(e, "targets") is YamlMappingNode et ? ParseTargets(et, name) : null;
            var aroundTheClock = (Child(plan, "aroundTheClock") as YamlSequenceNode)?.Children
                .Select(n => int.TryParse((n as YamlScalarNode)?.Value, CultureInfo.InvariantCulture, out var sev) ? sev : 0).ToImmutableArray() ?? [];
            if (aroundTheClock.Any(sev => targets is null || !targets.BySeverity.ContainsKey(sev)))
                Error(Line(plan, "aroundTheClock", plan), $"plan '{name}': every aroundTheClock severity needs a target");
            var invoicing = Scalar(plan, "invoicing") switch
            {
                null or "perIncident" => Invoicing.PerIncident,
                "monthly" => Invoicing.Monthly,
                var other => InvoicingError(plan, name, other),
            };
            result[name] = new Plan(
                name, Int(plan, "priority", 1, 9) ?? 5, Bool(plan, "queue"), Bool(plan, "tamFirst"),
                phone, rates, ParsePurchaseOptions(plan), ParseContract(plan, name), targets, aroundTheClock, sessions, invoicing);
        }
        return result.ToImmutable();
    }

    private Invoicing InvoicingError(YamlMappingNode plan, string name, string value)
    {
        Error(Line(plan, "invoicing", plan), $"plan '{name}': invoicing '{value}' must be perIncident or monthly");
        return Invoicing.PerIncident;
    }

    private ResponseTargets ParseTargets(YamlMappingNode map, string plan)
    {
        var clock = Scalar(map, "clock") switch { "wall" => ClockKind.Wall, "coverage" => ClockKind.Coverage, var other => ClockError(map, plan, other) };
        var businessDay = Duration(map, "businessDay") ?? NodaTime.Duration.FromHours(24);
        var bySeverity = ImmutableDictionary.CreateBuilder<int, ResponseTarget>();
        foreach (var (key, value) in map.Children)
        {
            if (!int.TryParse(KeyOf(key), CultureInfo.InvariantCulture, out var severity))
            {
                if (KeyOf(key) is not ("clock" or "businessDay"))
                    Error(LineOf(key), $"plan '{plan}' targets: unknown key '{KeyOf(key)}' (allowed: clock, businessDay and severities like \"1\")");
                continue;
            }
            var text = (value as YamlScalarNode)?.Value ?? "";
            var period = PeriodPattern.NormalizingIso.Parse(text);
            if (!period.Success || period.Value.Months != 0 || period.Value.Years != 0 || period.Value.Weeks != 0 || period.Value.ToDuration() < NodaTime.Duration.Zero)
            {
                Error(LineOf(value), $"plan '{plan}': target '{text}' must be a non-negative ISO duration like PT4H or P1D (days count business days on the coverage clock)");
                continue;
            }
            bySeverity[severity] = new ResponseTarget((period.Value - Period.FromDays(period.Value.Days)).ToDuration(), period.Value.Days);
        }
        if (bySeverity.Count == 0) Error(LineOf(map), $"plan '{plan}': 'targets' names no severity");
        return new ResponseTargets(clock, businessDay, bySeverity.ToImmutable());
    }

    private ClockKind ClockError(YamlMappingNode map, string plan, string? value)
    {
        Error(Line(map, "clock", map), $"plan '{plan}': targets 'clock' must be wall or coverage, not '{value}'");
        return ClockKind.Wall;
    }

    private ImmutableArray<PurchaseOption> ParsePurchaseOptions(YamlMappingNode plan)
    {
        var result = ImmutableArray.CreateBuilder<PurchaseOption>();
        foreach (var node in (Child(plan, "purchaseOptions") as YamlSequenceNode)?.Children ?? [])
            if (node is YamlMappingNode option && Int(option, "minutes", 1, 600) is { } minutes && Int(option, "price", 0, int.MaxValue) is { } price)
                result.Add(new PurchaseOption(minutes, price));
            else Error(LineOf(node), "a purchase option must be { minutes: 30, price: 4250 }");
        return result.ToImmutable();
    }

    private ContractTerms? ParseContract(YamlMappingNode plan, string name)
    {
        if (Child(plan, "contract") is not YamlMappingNode contract) return null;
        CheckKeys(contract, new KeySet("includedIncidents", "includedTalkPerIncident", "includedWindows", "ratesPerHour"), $"plan '{name}' contract");
        var windows = ImmutableArray.CreateBuilder<Window>();
        foreach (var node in (Child(contract, "includedWindows") as YamlSequenceNode)?.Children ?? [])
            if (Windows.TryParse((node as YamlScalarNode)?.Value ?? "", out var w)) windows.Add(w);
            else Error(LineOf(node), $"plan '{name}': '{(node as YamlScalarNode)?.Value}' is not a window (business, night, weekend, holiday)");
        var rates = ParseWindowMap(contract, "ratesPerHour", text => long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : (long?)null, "an amount in minor units");
        foreach (var w in windows.Where(w => !rates.ContainsKey(w)))
            Error(Line(contract, "ratesPerHour", contract), $"plan '{name}': the contract includes {w.Name()} incidents but has no {w.Name()} rate for time beyond them");
        return new ContractTerms(Int(contract, "includedIncidents", 0, 1000) ?? 0, Duration(contract, "includedTalkPerIncident") ?? NodaTime.Duration.Zero, windows.ToImmutable(), rates);
    }

    private ImmutableDictionary<Window, T> ParseWindowMap<T>(YamlMappingNode map, string key, Func<string, T?> parse, string expected) where T : struct
    {
        var result = ImmutableDictionary.CreateBuilder<Window, T>();
        if (Child(map, key) is not YamlMappingNode values) return result.ToImmutable();
        foreach (var (k, v) in values.Children)
        {
            var text = (v as YamlScalarNode)?.Value ?? "";
            if (!Windows.TryParse(KeyOf(k), out var window)) Error(LineOf(k), $"'{KeyOf(k)}' is not a window (business, night, weekend, holiday)");
            else if (parse(text) is { } value) result[window] = value;
            else Error(LineOf(v), $"{key}.{KeyOf(k)}: '{text}' must be {expected}");
        }
        return result.ToImmutable();
    }

    /// <summary>Reports unknown keys in an optional nested section, so a typo there is not silently a default.</summary>
    private void CheckSection(YamlMappingNode map, string key, params string[] allowed)
    {
        if (Child(map, key) is YamlMappingNode section) CheckKeys(section, new KeySet(allowed), key);
    }

    private bool Bool(YamlMappingNode map, string key)
    {
        switch (Scalar(map, key))
        {
            case null or "false": return false;
            case "true": return true;
            case var other:
                Error(Line(map, key, map), $"'{key}' must be true or false, not '{other}'");
                return false;
        }
    }

    private IsoDayOfWeek? Day(YamlMappingNode map, string key)
    {
        var text = Scalar(map, key);
        if (text is null) return null;
        if (Weekdays.Contains(text)) return Enum.Parse<IsoDayOfWeek>(text, true);
        Error(Line(map, key, map), $"'{text}' is not a day name like friday");
        return null;
    }

    private Duration? Duration(YamlMappingNode? map, string key)
    {
        var text = map is null ? null : Scalar(map, key);
        if (text is null) return null;
        var parsed = PeriodPattern.NormalizingIso.Parse(text);
        if (parsed.Success && parsed.Value.Months == 0 && parsed.Value.Years == 0 && parsed.Value.ToDuration() > NodaTime.Duration.Zero) return parsed.Value.ToDuration();
        Error(Line(map!, key, map), $"'{key}': '{text}' must be a positive ISO duration like PT30M or PT1H");
        return null;
    }
}
