using System.Net;
using NodaTime;
using PhoneSupport.Tests.Admin;
using PhoneSupport.Tests.Infrastructure;

namespace PhoneSupport.Tests.Reports;

/// <summary>Who may read the reports and exports, what bad input gets, the allowance and revenue reports and their CSV.</summary>
[Collection(ServiceHostCollection.Name)]
public sealed class ReportApiTests(ServiceFixture fixture) : IAsyncLifetime
{
    private readonly AdminApi _api = new(fixture);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _api.DisposeAsync();

    public static TheoryData<string> Routes => new()
    {
        "/api/reports/service?provider=constructor",
        "/api/reports/service.csv?provider=constructor",
        "/api/reports/revenue?provider=constellix",
        "/api/reports/revenue.csv?provider=constellix",
        "/api/reports/allowances?provider=constellix",
        "/api/reports/allowances.csv?provider=constellix",
        "/api/calls.csv?from=2030-01-01&to=2030-01-02",
        "/api/callbacks.csv?from=2030-01-01&to=2030-01-02&provider=constructor",
        "/api/incidents.csv?from=2030-01-01&to=2030-01-02",
    };

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Reports_ReadByAdminManagerAndFinance_NotByTechniciansOrAnonymous(string route)
    {
        foreach (var role in new[] { "manager", "finance" })
        {
            var (key, _) = await _api.CreateKeyAsync(role);
            using var ok = await _api.Client(key).GetAsync(route);
            Assert.True(ok.StatusCode == HttpStatusCode.OK, $"{role} {route}: {(int)ok.StatusCode} {await ok.Content.ReadAsStringAsync()}");
        }
        using var admin = await _api.Admin.GetAsync(route);
        Assert.Equal(HttpStatusCode.OK, admin.StatusCode);
        var (technicianKey, _) = await _api.CreateKeyAsync("technician");
        using var forbidden = await _api.Client(technicianKey).GetAsync(route);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        using var anonymous = await _api.Client(null).GetAsync(route);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Theory]
    [InlineData("/api/reports/service?provider=constructor&from=2030-03-10&to=2030-03-01", "from")]
    [InlineData("/api/reports/service?provider=constructor&from=2029-01-01&to=2030-03-01", "to")]
    [InlineData("/api/reports/service?provider=constructor&groupBy=hour", "groupBy")]
    [InlineData("/api/reports/service?provider=nowhere", "provider")]
    [InlineData("/api/reports/service", "provider")]
    [InlineData("/api/reports/service.csv?provider=constructor&from=2030-02-30", "from")]
    [InlineData("/api/reports/revenue?provider=constellix&to=1850-01-01", "to")]
    [InlineData("/api/reports/allowances?provider=constellix&cursor=abc", "cursor")]
    [InlineData("/api/reports/allowances.csv?provider=constellix&limit=0", "limit")]
    [InlineData("/api/calls.csv?to=2030-01-01", "from")]
    [InlineData("/api/incidents.csv?from=2030-01-01&to=2030-01-02&provider=x", "provider")]
    public async Task BadInput_AnswersProblemJsonNamingTheField(string route, string field)
    {
        var problem = await AdminApi.ProblemAsync(await _api.Admin.GetAsync(route), HttpStatusCode.BadRequest);

        Assert.False(string.IsNullOrEmpty(AdminApi.Errors(problem, field)));
    }

    [Fact]
    public async Task Allowances_ShowUsedAndLeftOfThisContractYear_AndTheCsvHasTheApisColumns()
    {
        var account = await TestAccounts.CreateAsync(fixture, "constellix", "Corporate", new LocalDate(2030, 1, 15), new LocalDate(2031, 1, 14));
        var zone = DateTimeZoneProviders.Tzdb["America/New_York"];
        await TestAccounts.UseIncludedAsync(fixture, account.ContractId!.Value, zone.AtStartOfDay(new LocalDate(2030, 1, 15)).ToInstant(), 1);

        var number = account.ContractNumber!;
        var cursor = (long.Parse(number, System.Globalization.CultureInfo.InvariantCulture) - 1).ToString("D" + number.Length, System.Globalization.CultureInfo.InvariantCulture);
        var report = await AdminApi.ExpectAsync(await _api.Admin.GetAsync($"/api/reports/allowances?provider=constellix&on=2030-06-01&limit=5&cursor={cursor}"), HttpStatusCode.OK);

        var row = report["rows"]!.AsArray().First(r => (string?)r!["contractNumber"] == number)!;
        Assert.Equal(("2030-01-15", "2031-01-14"), ((string?)row["yearStartsOn"], (string?)row["yearEndsOn"]));
        Assert.Equal((2, 1, 0, 1), ((int)row["included"]!, (int)row["used"]!, (int)row["inProgress"]!, (int)row["left"]!));
        using var csv = await _api.Admin.GetAsync($"/api/reports/allowances.csv?provider=constellix&on=2030-06-01&limit=5&cursor={cursor}");
        var lines = (await csv.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(row.AsObject().Select(p => p.Key), lines[0].Split(','));
        Assert.Contains(lines, l => l.StartsWith(account.ContractNumber + ",", StringComparison.Ordinal) && l.EndsWith(",2,1,0,1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Revenue_SumsChargesPerMonthAndWindow_ByStatus()
    {
        var account = await TestAccounts.CreateAsync(fixture, "constellix", "Business");
        var sid = TwilioWebhooks.NewCallSid();
        await fixture.ScalarAsync<int>("""
            insert into calls (call_sid, provider, flow_id, from_number, to_number, step, attempt, language, sequence, vars, phase, account_id, started_at, updated_at, ended_at, version)
            values ($1, 'constellix', 'constellix', '+15550000000', '+17038803095', 'x', 0, 'en-US', 1, '{}', 'Ended', $2, '2030-05-10T15:00:00Z', '2030-05-10T15:00:00Z', '2030-05-10T16:00:00Z', 1) returning 1
            """, sid, account.AccountId);
        var incident = Guid.NewGuid();
        await fixture.ScalarAsync<int>("""
            insert into incidents (id, provider, account_id, call_sid, decision, "window", policy_version, opened_at, closed_at, talk_seconds, status, version)
            values ($1, 'constellix', $2, $3, 'liveRouteWithPrice', 'night', 'v', '2030-05-10T15:00:00Z', '2030-05-10T16:00:00Z', 3600, 'closed', 1) returning 1
            """, incident, account.AccountId, sid);
        var charges = new (string Kind, string Window, string Status, long Amount, string CreatedAt)[]
        {
            ("a", "night", "paid", 12_000, "2030-05-10T16:00:00Z"), ("b", "night", "waived", 5_000, "2030-05-10T16:00:00Z"),
            ("c", "weekend", "refunded", 7_000, "2030-05-31T23:30:00Z"), ("d", "night", "invoiced", 3_000, "2030-06-01T04:30:00Z"), // 00:30 New York: June
        };
        foreach (var c in charges)
            await fixture.ScalarAsync<int>("""
                insert into charges (id, incident_id, account_id, kind, "window", rate_per_hour, currency, billed_seconds, steps, amount, policy_version, status,
                                     created_at, updated_at, origin, description, version, invoicing)
                values (gen_random_uuid(), $1, $2, $3, $4, 1000, 'usd', 1800, 1, $5, 'v', $6, $7::timestamptz, $7::timestamptz, 'call', 'test', 1, 'perIncident') returning 1
                """, incident, account.AccountId, c.Kind, c.Window, c.Amount, c.Status, c.CreatedAt);

        var report = await AdminApi.ExpectAsync(await _api.Admin.GetAsync("/api/reports/revenue?provider=constellix&from=2030-05-01&to=2030-06-30"), HttpStatusCode.OK);

        var rows = report["rows"]!.AsArray().Select(r => r!.AsObject()).ToList();
        string Key(System.Text.Json.Nodes.JsonObject r) => $"{r["month"]}|{r["window"]}";
        var byKey = rows.ToDictionary(Key);
        Assert.Equal((2L, 12_000L, 12_000L, 5_000L, 0L), Figures(byKey["2030-05|night"]));
        Assert.Equal((1L, 0L, 0L, 0L, 7_000L), Figures(byKey["2030-05|weekend"])); // 2030-05-31 19:30 in New York
        Assert.Equal((1L, 3_000L, 0L, 0L, 0L), Figures(byKey["2030-06|night"]));
        Assert.All(rows, r => Assert.Equal("usd", (string?)r["currency"]));

        // A month on, the days are stored once; a charge refunded since drops its day, and the next report counts it again.
        fixture.Clock.Set(Instant.FromUtc(2030, 7, 2, 12, 0));
        var cached = await AdminApi.ExpectAsync(await _api.Admin.GetAsync("/api/reports/revenue?provider=constellix&from=2030-05-01&to=2030-06-30"), HttpStatusCode.OK);
        Assert.Equal(report["rows"]!.ToJsonString(), cached["rows"]!.ToJsonString());
        Assert.True(await fixture.ScalarAsync<long>("select count(*) from revenue_days_cached where provider = 'constellix' and day = '2030-05-10'") == 1);
        await fixture.ScalarAsync<int>("update charges set status = 'refunded', updated_at = $2 where incident_id = $1 and kind = 'a' returning 1",
            incident, Instant.FromUtc(2030, 7, 2, 12, 0).ToDateTimeUtc());
        var after = await AdminApi.ExpectAsync(await _api.Admin.GetAsync("/api/reports/revenue?provider=constellix&from=2030-05-01&to=2030-06-30"), HttpStatusCode.OK);
        var night = after["rows"]!.AsArray().Single(r => (string?)r!["month"] == "2030-05" && (string?)r!["window"] == "night")!.AsObject();
        Assert.Equal((2L, 0L, 0L, 5_000L, 12_000L), Figures(night));

        static (long, long, long, long, long) Figures(System.Text.Json.Nodes.JsonObject r) =>
            ((long)r["charges"]!, (long)r["billed"]!, (long)r["paid"]!, (long)r["waived"]!, (long)r["refunded"]!);
    }
}
