using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using NodaTime;
using PhoneSupport.Emulators.Twilio;
using PhoneSupport.Tests.Admin;
using PhoneSupport.Tests.Infrastructure;

namespace PhoneSupport.Tests.WhatIf;

/// <summary>
/// What if (issue 17): calls walked through the real webhooks in March 2031 (a month no other test uses), then replayed under the
/// current policy (exactly what was billed) and under drafts: a changed night rate, an added holiday, a shorter Premier target.
/// </summary>
[Collection(ServiceHostCollection.Name)]
public sealed class WhatIfApiTests(ServiceFixture fixture) : IDisposable
{
    private static readonly DateTimeZone NewYork = DateTimeZoneProviders.Tzdb["America/New_York"];
    private static readonly DateTimeZone Zurich = DateTimeZoneProviders.Tzdb["Europe/Zurich"];
    private readonly Instant _restore = fixture.Clock.GetCurrentInstant();

    public void Dispose() => fixture.Clock.Set(_restore);

    private static string Shipped(string provider) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "ivr-flows", $"{provider}.policy.yaml"));

    private static string Edited(string provider, string from, string to)
    {
        var text = Shipped(provider);
        Assert.Contains(from, text);
        return text.Replace(from, to, StringComparison.Ordinal);
    }

    private static async Task<JsonObject> WhatIfAsync(HttpClient client, string provider, object body, HttpStatusCode expected = HttpStatusCode.OK) =>
        await AdminApi.ExpectAsync(await client.PostAsJsonAsync($"/api/policies/{provider}/what-if", body), expected);

    private static long Long(JsonNode? node) => (long)node!;

    /// <summary>Three night calls of one contract (2 included incidents a year): 40 min, 2 h 30 min, then 25 min priced.</summary>
    private async Task<(TestAccounts.Created Account, string[] Sids)> ConstellixNightsAsync()
    {
        var account = await TestAccounts.CreateAsync(fixture, "constellix", "Corporate", new LocalDate(2031, 1, 15));
        var sids = new List<string>();
        foreach (var (day, minutes) in new[] { (4, 40), (5, 150), (6, 25) })
        {
            var at = NewYork.AtStrictly(new LocalDateTime(2031, 3, day, 22, 0)).ToInstant();
            fixture.Clock.Set(at);
            await TestTechnicians.OfflineAllAsync(fixture);
            await TestTechnicians.CreateAsync(fixture, "constellix", onCall: new Interval(at - Duration.FromHours(2), at + Duration.FromHours(8)));
            var (result, _) = await SimulatedCalls.CallAsync(fixture, "+17038803095", "+1555999" + TestAccounts.UniqueDigits(4),
                ScriptedCaller.Keys("2", account.ContractNumber + "#", "1"), TechnicianScript.Accepting(TimeSpan.FromMinutes(minutes)));
            sids.Add(result.CallSid);
        }
        return (account, [.. sids]);
    }

    [Fact]
    public async Task ConstellixMonth_CurrentPolicyReproducesTheBills_AndDraftsShowTheExactDifferences()
    {
        var (account, sids) = await ConstellixNightsAsync();
        Assert.Equal(12000L, await fixture.ScalarAsync<long>(
            "select coalesce(sum(c.amount), 0)::bigint from charges c join incidents i on i.id = c.incident_id where i.account_id = $1", account.AccountId));
        await using var api = new AdminApi(fixture);
        var (managerKey, _) = await api.CreateKeyAsync("manager");
        var manager = api.Client(managerKey);
        var period = new { from = "2031-03-01", to = "2031-04-01" };
        var audits = await fixture.ScalarAsync<long>("select count(*) from audit_log where entity = 'policy' and action = 'whatIf'");

        // The draft is the current policy: exactly what was billed, nothing unexplained.
        var same = await WhatIfAsync(manager, "constellix", new { yaml = Shipped("constellix"), period.from, period.to });
        var mine = same["calls"]!.AsArray().Where(c => sids.Contains((string?)c!["callSid"])).Select(c => c!.AsObject()).ToList();
        Assert.Equal(3, mine.Count);
        Assert.Equal([0L, 6000L, 6000L], mine.Select(c => Long(c["billedBefore"])));
        Assert.Equal([0L, 6000L, 6000L], mine.Select(c => Long(c["billedAfter"])));
        Assert.Equal(["liveRouteUsingIncluded", "liveRouteUsingIncluded", "liveRouteWithPrice"], mine.Select(c => (string?)c["decisionAfter"]));
        Assert.Empty(same["unexplained"]!.AsArray());
        Assert.Equal(Long(same["totals"]!["billedBefore"]), Long(same["totals"]!["billedAfter"]));
        Assert.Equal("usd", (string?)same["totals"]!["currency"]);
        var acme = same["accounts"]!.AsArray().Single(a => (string?)a!["accountId"] == account.AccountId.ToString())!;
        Assert.Equal((12000L, 12000L, 0L), (Long(acme["billedBefore"]), Long(acme["billedAfter"]), Long(acme["difference"])));
        Assert.Equal("2026.11.1", (string?)same["currentVersion"]);
        // The version loaded now resolves too, to the same answer.
        var byVersion = await WhatIfAsync(manager, "constellix", new { version = "2026.11.1", period.from, period.to });
        Assert.Equal(same["totals"]!.ToJsonString(), byVersion["totals"]!.ToJsonString());

        // (a) the contract's night rate from 120 to 150 dollars per hour: one half-hour step more expensive on calls 2 and 3.
        var nightRate = await WhatIfAsync(manager, "constellix", new
        {
            yaml = Edited("constellix", "ratesPerHour: { night: 12000, weekend: 12000, holiday: 26000 }", "ratesPerHour: { night: 15000, weekend: 12000, holiday: 26000 }")
                .Replace("version: \"2026.11.1\"", "version: \"2027.1.1\"", StringComparison.Ordinal),
            period.from, period.to,
        });
        var acmeRate = nightRate["accounts"]!.AsArray().Single(a => (string?)a!["accountId"] == account.AccountId.ToString())!;
        Assert.Equal((12000L, 15000L, 3000L), (Long(acmeRate["billedBefore"]), Long(acmeRate["billedAfter"]), Long(acmeRate["difference"])));
        Assert.Equal("2027.1.1", (string?)nightRate["draftVersion"]);

        // The same draft published as a scheduled version (decision 018) is tried by its version: the same answer.
        var (adminKey, _) = await api.CreateKeyAsync("admin");
        var nightYaml = Edited("constellix", "ratesPerHour: { night: 12000, weekend: 12000, holiday: 26000 }", "ratesPerHour: { night: 15000, weekend: 12000, holiday: 26000 }")
            .Replace("version: \"2026.11.1\"", "version: \"test-whatif-night\"", StringComparison.Ordinal);
        try
        {
            using var published = await api.Client(adminKey).PostAsJsonAsync("/api/policies/constellix/versions",
                new { yaml = nightYaml, effectiveFrom = (fixture.Clock.GetCurrentInstant() + Duration.FromDays(3650)).ToString() });
            Assert.Equal(System.Net.HttpStatusCode.Created, published.StatusCode);
            var scheduled = await WhatIfAsync(manager, "constellix", new { version = "test-whatif-night", period.from, period.to });
            Assert.Equal(("test-whatif-night", nightRate["totals"]!.ToJsonString()), ((string?)scheduled["draftVersion"], scheduled["totals"]!.ToJsonString()));
        }
        finally
        {
            await fixture.ScalarAsync<int>("""
                with d as (delete from policy_versions where version = 'test-whatif-night' returning 1), n as (select pg_notify('policy_versions_changed', ''))
                select count(*)::int from d, n
                """);
        }

        // (b) Thursday 6 March 2031 a holiday: the third call moves to the holiday window, one step at 260 dollars per hour.
        var holiday = await WhatIfAsync(manager, "constellix", new
        {
            yaml = Edited("constellix", "dates: []", "dates: [{ date: 2031-03-06, name: \"Draft closure\" }]"),
            period.from, period.to,
        });
        var third = holiday["calls"]!.AsArray().Single(c => (string?)c!["callSid"] == sids[2])!;
        Assert.Equal(("night", "holiday"), ((string?)third["windowBefore"], (string?)third["windowAfter"]));
        Assert.Equal((6000L, 13000L), (Long(third["billedBefore"]), Long(third["billedAfter"])));
        Assert.Equal(("night", "liveRouteWithPrice", 6000L), ((string?)third["before"]!["window"], (string?)third["before"]!["decision"], Long(third["before"]!["amount"])));
        Assert.Equal(("holiday", 13000L), ((string?)third["after"]!["window"], Long(third["after"]!["amount"])));
        Assert.Equal(Long(holiday["totals"]!["billedAfter"]), Long(holiday["totals"]!["after"]));
        var acmeHoliday = holiday["accounts"]!.AsArray().Single(a => (string?)a!["accountId"] == account.AccountId.ToString())!;
        Assert.Equal(7000L, Long(acmeHoliday["difference"]));

        // Fewer included incidents: the second night call becomes priced (contract-year use replayed in order).
        var fewer = await WhatIfAsync(manager, "constellix", new { yaml = Edited("constellix", "includedIncidents: 2", "includedIncidents: 1"), period.from, period.to });
        var second = fewer["calls"]!.AsArray().Single(c => (string?)c!["callSid"] == sids[1])!;
        Assert.Equal(("liveRouteUsingIncluded", "liveRouteWithPrice"), ((string?)second["decisionBefore"], (string?)second["decisionAfter"]));
        Assert.Equal(30000L, Long(second["billedAfter"]));
        Assert.False((bool)second["routedDifferently"]!);

        // CSV of the calls, and one audit row per request (nothing else written).
        using var csvRequest = new HttpRequestMessage(HttpMethod.Post, "/api/policies/constellix/what-if?format=csv") { Content = JsonContent.Create(new { version = "2026.11.1", period.from, period.to }) };
        using var csv = await manager.SendAsync(csvRequest);
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        var lines = (await csv.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("callSid,answeredAt,accountId,accountName,windowBefore", lines[0]);
        Assert.Contains(lines, l => l.StartsWith(sids[2] + ",", StringComparison.Ordinal) && l.Contains(",night,night,liveRouteWithPrice,liveRouteWithPrice,6000,6000,0,usd,", StringComparison.Ordinal));
        Assert.Equal(audits + 7, await fixture.ScalarAsync<long>("select count(*) from audit_log where entity = 'policy' and action = 'whatIf'")); // seven what-ifs above
    }

    [Fact]
    public async Task ShorterPremierTarget_MovesTheDueTimes_AndAnUnansweredCallbackBecomesMissed()
    {
        var account = await TestAccounts.CreateAsync(fixture, "constructor", "Premier");
        await TestTechnicians.OfflineAllAsync(fixture);
        var morning = Zurich.AtStrictly(new LocalDateTime(2031, 3, 3, 10, 0)).ToInstant();
        fixture.Clock.Set(morning);
        await TestTechnicians.CreateAsync(fixture, "constructor");
        var (live, _) = await SimulatedCalls.CallAsync(fixture, "+41525550100", "+4144555" + TestAccounts.UniqueDigits(4),
            ScriptedCaller.Keys("1", account.AccountNumber + "#", "2"), TechnicianScript.Accepting(TimeSpan.FromMinutes(10)));
        fixture.Clock.Set(Zurich.AtStrictly(new LocalDateTime(2031, 3, 3, 22, 0)).ToInstant());
        await TestTechnicians.OfflineAllAsync(fixture);
        var (night, _) = await SimulatedCalls.CallAsync(fixture, "+41525550100", "+4144555" + TestAccounts.UniqueDigits(4),
            ScriptedCaller.Keys("1", account.AccountNumber + "#", "2"));
        Assert.Equal("callback", await fixture.ScalarAsync<string>("select entitlement->>'decision' from calls where call_sid = $1", night.CallSid));
        // The what-if is asked on Tuesday at 08:20: the callback (due 08:30) is neither met nor missed yet.
        fixture.Clock.Set(Zurich.AtStrictly(new LocalDateTime(2031, 3, 4, 8, 20)).ToInstant());
        await using var api = new AdminApi(fixture);
        var (financeKey, _) = await api.CreateKeyAsync("finance");
        var finance = api.Client(financeKey);
        var period = new { from = "2031-03-01", to = "2031-04-01" };

        var same = await WhatIfAsync(finance, "constructor", new { yaml = Shipped("constructor"), period.from, period.to });
        Assert.Empty(same["unexplained"]!.AsArray());

        var draft = await WhatIfAsync(finance, "constructor", new
        {
            yaml = Edited("constructor", "\"1\": PT15M, \"2\": PT30M, \"3\": PT2H", "\"1\": PT15M, \"2\": PT15M, \"3\": PT2H"),
            period.from, period.to,
        });
        var calls = draft["calls"]!.AsArray().Select(c => c!.AsObject()).ToDictionary(c => (string)c["callSid"]!);
        Assert.Equal(("2031-03-03T09:30:00Z", "2031-03-03T09:15:00Z"), ((string?)calls[live.CallSid]["slaDueBefore"], (string?)calls[live.CallSid]["slaDueAfter"]));
        Assert.Equal((true, true), ((bool?)calls[live.CallSid]["slaMetBefore"], (bool?)calls[live.CallSid]["slaMetAfter"]));
        Assert.Equal(("2031-03-04T07:30:00Z", "2031-03-04T07:15:00Z"), ((string?)calls[night.CallSid]["slaDueBefore"], (string?)calls[night.CallSid]["slaDueAfter"]));
        Assert.Null((bool?)calls[night.CallSid]["slaMetBefore"]);
        Assert.False((bool?)calls[night.CallSid]["slaMetAfter"]);
        var premier = draft["accounts"]!.AsArray().Single(a => (string?)a!["accountId"] == account.AccountId.ToString())!;
        Assert.Equal((1, 1, 0, 1), ((int)premier["slaMetBefore"]!, (int)premier["slaMetAfter"]!, (int)premier["slaMissedBefore"]!, (int)premier["slaMissedAfter"]!));
        Assert.Equal((long)draft["totals"]!["slaMissedBefore"]! + 1, (long)draft["totals"]!["slaMissedAfter"]!);
    }

    [Fact]
    public async Task BadInput_IsProblemJson_WithTheYamlLines()
    {
        await using var api = new AdminApi(fixture);
        var admin = api.Admin;
        var broken = Shipped("constellix").Replace("minimumSteps: 1", "minimumSteps: lots", StringComparison.Ordinal);
        var line = Array.FindIndex(broken.Split('\n'), l => l.Contains("minimumSteps: lots", StringComparison.Ordinal)) + 1;

        var invalid = await AdminApi.ProblemAsync(await admin.PostAsJsonAsync("/api/policies/constellix/what-if", new { yaml = broken, from = "2031-03-01", to = "2031-04-01" }),
            HttpStatusCode.UnprocessableEntity);
        Assert.StartsWith($"line {line}: ", AdminApi.Errors(invalid, "yaml"));
        Assert.Equal(line, (int)invalid["lines"]![0]!["line"]!);

        var wrongProvider = await AdminApi.ProblemAsync(await admin.PostAsJsonAsync("/api/policies/constructor/what-if",
            new { yaml = Shipped("constellix"), from = "2031-03-01", to = "2031-04-01" }), HttpStatusCode.UnprocessableEntity);
        Assert.Contains("line 3: the draft is for provider 'constellix', not 'constructor'", AdminApi.Errors(wrongProvider, "yaml"));

        var backwards = await AdminApi.ProblemAsync(await admin.PostAsJsonAsync("/api/policies/constellix/what-if", new { version = "2026.11.1", from = "2031-04-01", to = "2031-03-01" }),
            HttpStatusCode.BadRequest);
        Assert.Contains("before 'to'", AdminApi.Errors(backwards, "from"));
        var equal = await AdminApi.ProblemAsync(await admin.PostAsJsonAsync("/api/policies/constellix/what-if", new { version = "2026.11.1", from = "2031-04-01T04:00:00Z", to = "2031-04-01T04:00:00Z" }),
            HttpStatusCode.BadRequest);
        Assert.Contains("before 'to'", AdminApi.Errors(equal, "from"));

        var tooLong = await AdminApi.ProblemAsync(await admin.PostAsJsonAsync("/api/policies/constellix/what-if", new { version = "2026.11.1", from = "2031-01-01", to = "2031-06-01" }),
            HttpStatusCode.BadRequest);
        Assert.Contains("at most 92 days", AdminApi.Errors(tooLong, "to"));

        await AdminApi.ProblemAsync(await admin.PostAsJsonAsync("/api/policies/acme/what-if", new { version = "2026.11.1", from = "2031-03-01", to = "2031-04-01" }),
            HttpStatusCode.NotFound);
        var unknown = await AdminApi.ProblemAsync(await admin.PostAsJsonAsync("/api/policies/constellix/what-if", new { version = "1999.1", from = "2031-03-01", to = "2031-04-01" }),
            HttpStatusCode.UnprocessableEntity);
        Assert.Contains("Unknown version '1999.1'", AdminApi.Errors(unknown, "version"));
        var neither = await AdminApi.ProblemAsync(await admin.PostAsJsonAsync("/api/policies/constellix/what-if", new { from = "2031-03-01", to = "2031-04-01" }),
            HttpStatusCode.BadRequest);
        Assert.Contains("Required", AdminApi.Errors(neither, "yaml"));

        var (technicianKey, _) = await api.CreateKeyAsync("technician");
        using var forbidden = await api.Client(technicianKey).PostAsJsonAsync("/api/policies/constellix/what-if", new { version = "2026.11.1", from = "2031-03-01", to = "2031-04-01" });
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
    }
}
