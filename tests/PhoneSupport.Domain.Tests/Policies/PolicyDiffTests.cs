using System.Collections;
using System.Globalization;
using System.Reflection;
using PhoneSupport.Domain.Policies;
using YamlDotNet.RepresentationModel;
using static PhoneSupport.Domain.Tests.Policies.ShippedPolicies;

namespace PhoneSupport.Domain.Tests.Policies;

/// <summary>
/// The diff between two policy versions, on small variants of the shipped policies: each section's changes with their
/// path, before and after texts and sentence; identical policies give none; every property of the policy's types is
/// compared (or left out on purpose), and every value of the shipped files that can change shows up.
/// </summary>
public sealed class PolicyDiffTests
{
    private static SupportPolicy Parse(string file, string text)
    {
        var (policy, errors) = PolicyParser.Parse(file, text);
        Assert.True(errors.Count == 0, string.Join(Environment.NewLine, errors));
        return policy!;
    }

    /// <summary>The shipped file with <paramref name="from"/> (which must occur exactly once) replaced.</summary>
    private static SupportPolicy Variant(string file, string from, string to)
    {
        var text = Text(file);
        var at = text.IndexOf(from, StringComparison.Ordinal);
        Assert.True(at >= 0 && text.IndexOf(from, at + 1, StringComparison.Ordinal) < 0, $"'{from}' must occur once in {file}");
        return Parse(file, text.Replace(from, to, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(ConstellixFile)]
    [InlineData(ConstructorFile)]
    public void IdenticalPolicies_HaveNoChanges(string file)
    {
        Assert.Empty(PolicyDiff.Between(Parse(file, Text(file)), Parse(file, Text(file))));
    }

    [Fact]
    public void AChangedNightRate_IsOneChange_WithTheMoneyAsRates()
    {
        var after = Variant(ConstellixFile, "ratesPerHour: { night: 12000,", "ratesPerHour: { night: 15000,");

        var change = Assert.Single(PolicyDiff.Between(Constellix, after));

        Assert.Equal(new PolicyChange("plans", "plans.Corporate.contract.ratesPerHour.night", "Corporate contract night rate", PolicyChangeKind.Changed, "$120.00/h", "$150.00/h",
            "Corporate contract night rate: $120.00/h → $150.00/h"), change);
    }

    [Fact]
    public void AnAddedHoliday_IsAdded_WithItsDateAndName()
    {
        var after = Variant(ConstellixFile, "dates: []", "dates:\n    - { date: 2026-12-24, name: \"Christmas Eve\" }");

        var change = Assert.Single(PolicyDiff.Between(Constellix, after));

        Assert.Equal(("holidays", "holidays.dates.Christmas Eve", PolicyChangeKind.Added, null, "2026-12-24"), (change.Section, change.Path, change.Kind, change.Before, change.After));
        Assert.Equal("Holiday 'Christmas Eve' added: 2026-12-24", change.Summary);
    }

    [Fact]
    public void HolidayRules_Removed_Moved_AndAnExplicitDateMoved_InCalendarOrder()
    {
        var withEve = Variant(ConstellixFile, "dates: []", "dates:\n    - { date: 2026-12-24, name: \"Christmas Eve\" }");
        var text = Text(ConstellixFile)
            .Replace("    - { name: \"Columbus Day\", month: 10, weekday: monday, nth: 2 }\n", "", StringComparison.Ordinal)
            .Replace("date: \"06-19\", from: 2021", "date: \"06-20\", from: 2021", StringComparison.Ordinal)
            .Replace("month: 5, weekday: monday, nth: last", "month: 5, weekday: monday, nth: 4", StringComparison.Ordinal)
            .Replace("dates: []", "dates:\n    - { date: 2026-12-23, name: \"Christmas Eve\" }", StringComparison.Ordinal);

        var changes = PolicyDiff.Between(withEve, Parse(ConstellixFile, text));

        Assert.Equal(
        [
            "Holiday 'Memorial Day' moved: last Monday of May → 4th Monday of May",
            "Holiday 'Juneteenth National Independence Day' moved: 19 June (from 2021) → 20 June (from 2021)",
            "Holiday 'Columbus Day' removed (was 2nd Monday of October)",
            "Holiday 'Christmas Eve' moved: 2026-12-24 → 2026-12-23",
        ], changes.Select(c => c.Summary));
        Assert.All(changes, c => Assert.Equal("holidays", c.Section));
        Assert.Equal([PolicyChangeKind.Changed, PolicyChangeKind.Changed, PolicyChangeKind.Removed, PolicyChangeKind.Changed], changes.Select(c => c.Kind));
    }

    [Fact]
    public void AShorterPremierTarget_NamesThePlanAndSeverity()
    {
        var after = Variant(ConstructorFile, "\"1\": PT15M, \"2\": PT30M", "\"1\": PT15M, \"2\": PT20M");

        var change = Assert.Single(PolicyDiff.Between(Constructor, after));

        Assert.Equal(new PolicyChange("plans", "plans.Premier.targets.2", "Premier severity 2 target", PolicyChangeKind.Changed, "PT30M", "PT20M", "Premier severity 2 target: PT30M → PT20M"), change);
    }

    [Fact]
    public void ChangedHours_AreOneChangePerWeekday_MondayFirst_AndAnAddedDayIsAdded()
    {
        var after = Variant(ConstructorFile, "weekdays: \"08:00-20:00\"", "weekdays: \"08:00-18:00\"\n  saturday: \"09:00-12:00\"");

        var changes = PolicyDiff.Between(Constructor, after);

        Assert.Equal(["coverage.monday", "coverage.tuesday", "coverage.wednesday", "coverage.thursday", "coverage.friday", "coverage.saturday"], changes.Select(c => c.Path));
        Assert.Equal("Monday hours: 08:00-20:00 → 08:00-18:00", changes[0].Summary);
        Assert.Equal((PolicyChangeKind.Added, "Saturday hours added: 09:00-12:00"), (changes[5].Kind, changes[5].Summary));
    }

    [Fact]
    public void APlanAddedAndOneRemoved_AreOneChangeEach_WithTheirTermsInOneLine()
    {
        var text = Text(ConstructorFile).Replace("  Proctored:\n", """
              Gold:
                priority: 2
                queue: true
                phone: { business: live, night: quote, weekend: quote, holiday: callback }
                ratesPerHour: { night: 18000, weekend: 18000 }
                targets: { clock: wall, "1": PT1H }
              Proctored:

            """, StringComparison.Ordinal);
        var standard = text.IndexOf("  Standard:\n", StringComparison.Ordinal);
        text = text.Remove(standard, text.IndexOf("  Premier:\n", StringComparison.Ordinal) - standard);

        var changes = PolicyDiff.Between(Constructor, Parse(ConstructorFile, text));

        Assert.Equal(["plans.Gold", "plans.Standard"], changes.Select(c => c.Path));
        var (added, removed) = (changes[0], changes[1]);
        Assert.Equal((PolicyChangeKind.Added, "Plan Gold added", (string?)null), (added.Kind, added.Summary, added.Before));
        Assert.Equal("priority 2; queue true; tamFirst false; invoicing perIncident; phone.business live; phone.night quote; phone.weekend quote; " +
            "phone.holiday callback; ratesPerHour.night CHF 180.00/h; ratesPerHour.weekend CHF 180.00/h; targets.clock wall; targets.businessDay PT24H; targets.1 PT1H",
            added.After);
        Assert.Equal((PolicyChangeKind.Removed, "Plan Standard removed", (string?)null), (removed.Kind, removed.Summary, removed.After));
        Assert.Contains("targets.4 P3D", removed.Before, StringComparison.Ordinal);
    }

    [Fact]
    public void AChangedPurchaseOption_IsThePlansOptionOfThatLength()
    {
        var text = Text(ConstellixFile);
        var business = text.IndexOf("  Business:", StringComparison.Ordinal);
        var option = text.IndexOf("{ minutes: 30, price: 4250 }", business, StringComparison.Ordinal);
        var after = Parse(ConstellixFile, text.Remove(option, "{ minutes: 30, price: 4250 }".Length).Insert(option, "{ minutes: 30, price: 4500 }"));

        var change = Assert.Single(PolicyDiff.Between(Constellix, after));

        Assert.Equal(new PolicyChange("plans", "plans.Business.purchaseOptions.30", "Business 30-minute purchase", PolicyChangeKind.Changed, "$42.50", "$45.00",
            "Business 30-minute purchase: $42.50 → $45.00"), change);
    }

    [Theory]
    [InlineData(ConstellixFile, "version: \"2026.11.1\"", "version: \"2027.01.1\"", "general", "version", "Version: 2026.11.1 → 2027.01.1")]
    [InlineData(ConstellixFile, "zone: America/New_York", "zone: America/Chicago", "general", "zone", "Time zone: America/New_York → America/Chicago")]
    [InlineData(ConstellixFile, "name: Constellix Support Policy", "name: Constellix Support", "general", "name", "Name: Constellix Support Policy → Constellix Support")]
    [InlineData(ConstructorFile, "currency: chf", "currency: eur", "general", "currency", "Currency: chf → eur")]
    [InlineData(ConstellixFile, "observed: { saturday: friday, sunday: monday }", "observed: { sunday: monday }", "holidays", "holidays.observed.saturday", "Saturday holidays observed on removed (was Friday)")]
    [InlineData(ConstellixFile, "spoken: \"support dot constellix dot com\"", "spoken: \"constellix dot com\"", "webTicket", "webTicket.spoken", "Web ticket as spoken: support dot constellix dot com → constellix dot com")]
    [InlineData(ConstellixFile, "step: PT30M", "step: PT15M", "billing", "billing.step", "Billing step: PT30M → PT15M")]
    [InlineData(ConstellixFile, "minimumSteps: 1", "minimumSteps: 2", "billing", "billing.minimumSteps", "Minimum billed steps: 1 → 2")]
    [InlineData(ConstellixFile, "maxTriesPerCall: 3", "maxTriesPerCall: 4", "identification", "identification.maxTriesPerCall", "Identification tries per call: 3 → 4")]
    [InlineData(ConstellixFile, "lockout: { failures: 5, within: PT1H, for: PT1H }", "lockout: { failures: 5, within: PT1H, for: PT2H }", "identification", "identification.lockout.for", "Lockout lasts: PT1H → PT2H")]
    [InlineData(ConstellixFile, "clock: wall                         # in", "clock: coverage  # in", "callbackPromise", "callbackPromise.clock", "Callback promise clock: wall → coverage")]
    [InlineData(ConstellixFile, "afterHours: message", "afterHours: live", "sales", "sales.afterHours", "Sales after hours: message → live")]
    [InlineData(ConstellixFile, "nationalNumberLength: 10", "nationalNumberLength: 11", "phoneNumbers", "phoneNumbers.nationalNumberLength", "Keyed national number length: 10 → 11")]
    [InlineData(ConstructorFile, "tamFirst: true ", "tamFirst: false ", "plans", "plans.Premier.tamFirst", "Premier TAM first: true → false")]
    [InlineData(ConstructorFile, "aroundTheClock: [1]", "aroundTheClock: [1, 2]", "plans", "plans.Premier.aroundTheClock", "Premier around-the-clock severities: 1 → 1, 2")]
    [InlineData(ConstructorFile, "\"2\": PT45M", "\"2\": PT1H", "plans", "plans.Proctored.examSessions.targets.2", "Proctored exam-session severity 2 target: PT45M → PT1H")]
    [InlineData(ConstellixFile, "includedIncidents: 2", "includedIncidents: 3", "plans", "plans.Corporate.contract.includedIncidents", "Corporate contract included incidents: 2 → 3")]
    [InlineData(ConstellixFile, "includedTalkPerIncident: PT2H", "includedTalkPerIncident: PT90M", "plans", "plans.Corporate.contract.includedTalkPerIncident", "Corporate contract included talk per incident: PT2H → PT1H30M")]
    [InlineData(ConstellixFile, "includedWindows: [night, weekend, holiday]", "includedWindows: [night, weekend]", "plans", "plans.Corporate.contract.includedWindows", "Corporate contract included windows: night, weekend, holiday → night, weekend")]
    [InlineData(ConstellixFile, "priority: 1 ", "priority: 3 ", "plans", "plans.Corporate.priority", "Corporate priority: 1 → 3")]
    [InlineData(ConstellixFile, "phone: { business: live, night: notCovered,", "phone: { business: live, night: callback,", "plans", "plans.Corporate.phone.night", "Corporate night phone offer: notCovered → callback")]
    public void OneValueChanged_IsOneChange_InItsSection(string file, string from, string to, string section, string path, string summary)
    {
        var change = Assert.Single(PolicyDiff.Between(file == ConstellixFile ? Constellix : Constructor, Variant(file, from, to)));

        Assert.Equal((section, path, summary), (change.Section, change.Path, change.Summary));
    }

    [Fact]
    public void TheCallbackPromiseRemoved_IsEachOfItsValuesRemoved()
    {
        var text = Text(ConstellixFile);
        var start = text.IndexOf("callbackPromise:", StringComparison.Ordinal);
        var after = Parse(ConstellixFile, text.Remove(start, text.IndexOf("phoneNumbers:", StringComparison.Ordinal) - start));

        var changes = PolicyDiff.Between(Constellix, after);

        Assert.Equal([("callbackPromise.within", PolicyChangeKind.Removed, "PT1H"), ("callbackPromise.clock", PolicyChangeKind.Removed, "wall")],
            changes.Select(c => (c.Path, c.Kind, c.Before!)));
        Assert.Equal("Callback promise removed (was PT1H)", changes[0].Summary);
    }

    [Fact]
    public void ChangesInManySections_ComeInSectionOrder_TheSameEveryTime()
    {
        var text = Text(ConstructorFile)
            .Replace("\"1\": PT15M, \"2\": PT30M", "\"1\": PT10M, \"2\": PT30M", StringComparison.Ordinal)
            .Replace("minimumSteps: 1", "minimumSteps: 2", StringComparison.Ordinal)
            .Replace("version: \"2026.11.1\"", "version: \"2027.1\"", StringComparison.Ordinal)
            .Replace("dates: []", "dates: [{ date: 2027-01-02, name: Berchtoldstag }]", StringComparison.Ordinal)
            .Replace("weekdays: \"08:00-20:00\"", "weekdays: \"08:00-19:00\"", StringComparison.Ordinal);
        var after = Parse(ConstructorFile, text);

        var first = PolicyDiff.Between(Constructor, after);
        var again = PolicyDiff.Between(Constructor, Parse(ConstructorFile, text));

        Assert.Equal(first, again);
        Assert.Equal(["general", "coverage", "coverage", "coverage", "coverage", "coverage", "holidays", "billing", "plans"], first.Select(c => c.Section));
        Assert.Equal("plans.Premier.targets.1", first[^1].Path);
    }

    /// <summary>Each public property of every type reachable from <see cref="SupportPolicy"/> is compared or left out with a reason.</summary>
    [Fact]
    public void EveryPolicyProperty_IsComparedOrLeftOutOnPurpose()
    {
        var seen = new HashSet<Type>();
        var missing = new List<string>();
        var queue = new Queue<Type>([typeof(SupportPolicy)]);
        while (queue.TryDequeue(out var type))
        {
            if (!seen.Add(type)) continue;
            var compared = PolicyDiff.Compared.GetValueOrDefault(type);
            if (compared.IsDefault) { missing.Add($"{type.Name} (the type)"); continue; }
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                if (PolicyDiff.LeftOut.ContainsKey((type, property.Name))) continue;
                if (!compared.Contains(property.Name)) missing.Add($"{type.Name}.{property.Name}");
                foreach (var inner in PolicyTypes(property.PropertyType)) queue.Enqueue(inner);
            }
            foreach (var name in compared) Assert.True(type.GetProperty(name) is not null, $"{type.Name}.{name} is declared compared but is not a property");
        }

        Assert.True(missing.Count == 0, "Not in the policy diff: " + string.Join(", ", missing));
        Assert.Equal(PolicyDiff.Compared.Keys.OrderBy(t => t.Name), seen.OrderBy(t => t.Name));
    }

    /// <summary>The policy's own types inside a property type: itself, a list's items, a dictionary's values, a nullable's value.</summary>
    private static IEnumerable<Type> PolicyTypes(Type type)
    {
        if (Nullable.GetUnderlyingType(type) is { } underlying) type = underlying;
        if (type.Namespace == typeof(SupportPolicy).Namespace && type.IsClass) yield return type;
        if (type.IsGenericType && typeof(IEnumerable).IsAssignableFrom(type))
            foreach (var argument in type.GetGenericArguments())
                foreach (var inner in PolicyTypes(argument)) yield return inner;
        if (type.IsGenericType && type.GetGenericTypeDefinition().FullName!.StartsWith("System.ValueTuple", StringComparison.Ordinal))
            foreach (var argument in type.GetGenericArguments())
                foreach (var inner in PolicyTypes(argument)) yield return inner;
    }

    /// <summary>
    /// Every value of the shipped files, changed to another value the parser accepts, shows up in the diff: the diff
    /// cannot compare a property and still miss what the file says about it.
    /// </summary>
    [Theory]
    [InlineData(ConstellixFile)]
    [InlineData(ConstructorFile)]
    public void EveryValueOfTheShippedFiles_WhenChanged_IsInTheDiff(string file)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(Text(file)));
        var scalars = Values(stream.Documents[0].RootNode, "").ToList();
        var original = Parse(file, Save(stream));
        var unchanged = new List<string>();
        var untried = new List<string>();
        var tried = 0;

        foreach (var (node, path) in scalars)
        {
            var value = node.Value!;
            var accepted = false;
            foreach (var candidate in Candidates(value))
            {
                node.Value = candidate;
                var (mutated, errors) = PolicyParser.Parse(file, Save(stream));
                node.Value = value;
                if (errors.Count > 0) continue;
                accepted = true;
                tried++;
                if (PolicyDiff.Between(original, mutated!).Count == 0) unchanged.Add($"{path}: {value} → {candidate}");
                break;
            }
            if (!accepted) untried.Add($"{path}: {value}");
        }

        Assert.True(unchanged.Count == 0, "Changed in the file but not in the diff: " + string.Join("; ", unchanged));
        Assert.True(untried.Count == 0, "No other accepted value tried: " + string.Join("; ", untried));
        Assert.True(tried >= 30, $"only {tried} values changed");
    }

    private static IEnumerable<(YamlScalarNode Node, string Path)> Values(YamlNode node, string path)
    {
        switch (node)
        {
            case YamlScalarNode scalar when scalar.Value is not null:
                yield return (scalar, path);
                break;
            case YamlMappingNode map:
                foreach (var (key, value) in map.Children)
                    foreach (var inner in Values(value, $"{path}.{((YamlScalarNode)key).Value}")) yield return inner;
                break;
            case YamlSequenceNode list:
                for (var i = 0; i < list.Children.Count; i++)
                    foreach (var inner in Values(list.Children[i], $"{path}[{i}]")) yield return inner;
                break;
        }
    }

    private static string Save(YamlStream stream)
    {
        var writer = new StringWriter();
        stream.Save(writer, assignAnchors: false);
        return writer.ToString();
    }

    /// <summary>Other values of the same shape, most likely accepted first.</summary>
    private static IEnumerable<string> Candidates(string value)
    {
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            yield return (n + 1).ToString(CultureInfo.InvariantCulture);
            if (n > 0) yield return (n - 1).ToString(CultureInfo.InvariantCulture);
        }
        if (value.StartsWith('P')) foreach (var d in new[] { "PT45M", "PT20M", "PT3H", "P2D" }.Where(d => d != value)) yield return d;
        if (value.Length == 11 && value[5] == '-') yield return value[..6] + (value[6..8] == "17" ? "16" : "17") + value[8..]; // 09:00-18:00
        if (value.Length == 5 && value[2] == '-') yield return value[..3] + (value[3..] == "10" ? "11" : "10");            // 06-19
        if (value.Length == 10 && value[4] == '-') yield return value[..8] + (value[8..] == "10" ? "11" : "10");           // 2026-12-24
        string[][] words =
        [
            ["live", "message", "callback", "quote", "purchase", "notCovered"], ["true", "false"], ["wall", "coverage"], ["perIncident", "monthly"],
            ["monday", "tuesday", "wednesday", "thursday", "friday"], ["night", "weekend", "holiday"], ["usd", "chf", "eur"], ["last", "1"],
            ["America/New_York", "America/Chicago"], ["Europe/Zurich", "Europe/Berlin"],
        ];
        foreach (var set in words.Where(s => s.Contains(value)))
            foreach (var other in set.Where(w => w != value)) yield return other;
        yield return value + " (changed)";
    }
}
