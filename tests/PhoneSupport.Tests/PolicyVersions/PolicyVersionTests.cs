using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using PhoneSupport.Domain.Policies;
using PhoneSupport.Emulators.Twilio;
using PhoneSupport.Features.PolicyVersions;
using PhoneSupport.Tests.Admin;
using PhoneSupport.Tests.Desk;
using PhoneSupport.Tests.Infrastructure;
using Xunit.Abstractions;

namespace PhoneSupport.Tests.PolicyVersions;

/// <summary>
/// Issue 17, items 1 and 4: policy versions with effective dates. Two service instances on one database (two hosts, each
/// with its own catalog and version cache): a version published through one is held by the other before it takes
/// effect, and real calls walked through the Twilio webhooks on either are priced by the version effective at their
/// answered instant. The versions are in 2093, where no other test's clock goes, and are deleted at the end.
/// </summary>
[Collection(ServiceHostCollection.Name)]
public sealed class PolicyVersionTests(ServiceFixture fixture, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly DateTimeZone NewYork = DateTimeZoneProviders.Tzdb["America/New_York"];
    private const string FileVersion = "2026.11.1";
    private static readonly LocalDate ChangeDay = new(2093, 3, 11); // a Wednesday: 23:59 and 00:01 are both night

    private readonly Instant _restore = fixture.Clock.GetCurrentInstant();
    private readonly string _tag = TestAccounts.UniqueDigits(6);
    private WebApplicationFactory<Program> _first = null!;
    private WebApplicationFactory<Program> _second = null!;
    private HttpClient _admin = null!;

    public Task InitializeAsync()
    {
        fixture.Clock.Set(NewYork.AtStrictly(ChangeDay.PlusDays(-1).At(new LocalTime(12, 0))).ToInstant());
        var settings = new Dictionary<string, string?> { ["PhoneSupport:BootstrapAdminApiKey"] = AdminApi.BootstrapKey };
        _first = fixture.CreateFactory("Development", fixture.ConnectionString, settings);
        _second = fixture.CreateFactory("Development", fixture.ConnectionString, settings);
        _admin = Client(_first, AdminApi.BootstrapKey);
        _ = Client(_second, null); // starts the second host (its cache records the files and loads the versions)
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await fixture.ScalarAsync<int>("""
            with d as (delete from policy_versions where version like 'test-%' returning 1), n as (select pg_notify('policy_versions_changed', ''))
            select count(*)::int from d, n
            """);
        await _second.DisposeAsync();
        await _first.DisposeAsync();
        fixture.Clock.Set(_restore);
    }

    private static HttpClient Client(WebApplicationFactory<Program> host, string? key)
    {
        var client = host.CreateClient();
        if (key is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    private static string ShippedYaml() => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "ivr-flows", "constellix.policy.yaml"));

    /// <summary>The shipped Constellix policy as version <paramref name="version"/>, the Corporate contract's night and weekend rate $150.</summary>
    private static string RateRise(string version)
    {
        var yaml = ShippedYaml();
        Assert.Contains($"version: \"{FileVersion}\"", yaml);
        Assert.Contains("ratesPerHour: { night: 12000, weekend: 12000, holiday: 26000 }", yaml);
        return yaml.Replace($"version: \"{FileVersion}\"", $"version: \"{version}\"", StringComparison.Ordinal)
            .Replace("ratesPerHour: { night: 12000, weekend: 12000, holiday: 26000 }", "ratesPerHour: { night: 15000, weekend: 15000, holiday: 26000 }", StringComparison.Ordinal);
    }

    private static Instant Midnight => NewYork.AtStartOfDay(ChangeDay).ToInstant();

    private Task<HttpResponseMessage> PublishAsync(HttpClient client, string yaml, Instant effectiveFrom) =>
        client.PostAsJsonAsync("/api/policies/constellix/versions", new { yaml, effectiveFrom = effectiveFrom.ToString() });

    /// <summary>Waits on <paramref name="host"/>'s reloads (no sleep) until its catalog holds <paramref name="version"/>.</summary>
    private static async Task HoldsAsync(WebApplicationFactory<Program> host, string version, bool held = true, string provider = "constellix")
    {
        var cache = host.Services.GetRequiredService<PolicyVersionCache>();
        var catalog = host.Services.GetRequiredService<PolicyCatalog>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            var next = cache.NextRefresh;
            if ((catalog.Version(provider, version) is not null) == held) return;
            await next.WaitAsync(timeout.Token);
        }
    }

    /// <summary>A Corporate contract of 2093 with both included incidents used: every night call is priced at the contract's rate.</summary>
    private async Task<TestAccounts.Created> ContractAsync()
    {
        var account = await TestAccounts.CreateAsync(fixture, "constellix", "Corporate", new LocalDate(2093, 1, 15), stripeCustomer: "cus_T" + TestAccounts.UniqueDigits(12));
        await TestAccounts.UseIncludedAsync(fixture, account.ContractId!.Value, NewYork.AtStartOfDay(new LocalDate(2093, 1, 15)).ToInstant(), 2);
        return account;
    }

    /// <summary>A contract call at <paramref name="at"/> (New York) through <paramref name="host"/>'s webhooks, talking <paramref name="minutes"/>.</summary>
    private async Task<string> CallAsync(WebApplicationFactory<Program> host, TestAccounts.Created account, LocalDateTime at, int minutes)
    {
        var instant = NewYork.AtStrictly(at).ToInstant();
        fixture.Clock.Set(instant);
        await TestTechnicians.OfflineAllAsync(fixture);
        await TestTechnicians.CreateAsync(fixture, "constellix", onCall: new Interval(instant - Duration.FromHours(2), instant + Duration.FromHours(8)));
        var (result, said) = await SimulatedCalls.CallAsync(fixture, "+17038803095", "+1555999" + TestAccounts.UniqueDigits(4),
            ScriptedCaller.Keys("2", account.ContractNumber + "#", "1"), TechnicianScript.Accepting(TimeSpan.FromMinutes(minutes)), host.CreateClient());
        output.WriteLine($"{at}: {said}");
        return result.CallSid;
    }

    private async Task<(long Amount, string Version)> ChargeAsync(string callSid) =>
        (await fixture.ScalarAsync<long>("select c.amount from charges c join incidents i on i.id = c.incident_id where i.call_sid = $1 and c.status = 'pending'", callSid),
         (await fixture.ScalarAsync<string>("select c.policy_version from charges c join incidents i on i.id = c.incident_id where i.call_sid = $1 and c.status = 'pending'", callSid))!);

    [Fact]
    public async Task RateRiseAtMidnight_PricesTheCallAt2359WithTheOldRate_AndAt0001WithTheNew_OnEveryInstance_WithoutARestart()
    {
        var version = $"test-{_tag}-rise";
        var published = await AdminApi.ExpectAsync(await PublishAsync(_admin, RateRise(version), Midnight), HttpStatusCode.Created);
        Assert.Equal("scheduled", (string)published["status"]!);
        Assert.Equal(Midnight.ToString(), (string)published["effectiveFrom"]!);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await HoldsAsync(_second, version); // the other instance holds it before it takes effect
        output.WriteLine($"the other instance held the new version {watch.Elapsed.TotalMilliseconds:F0} ms after the publish answered");

        var account = await ContractAsync();
        var before = await CallAsync(_second, account, ChangeDay.PlusDays(-1).At(new LocalTime(23, 59)), 40);
        var after = await CallAsync(_second, account, ChangeDay.At(new LocalTime(0, 1)), 40);
        var afterOnFirst = await CallAsync(_first, account, ChangeDay.At(new LocalTime(0, 1)), 40);

        // 40 minutes are 2 half-hour steps: $120 at the old $120/h, $150 at the new $150/h.
        Assert.Equal((12000L, FileVersion), await ChargeAsync(before));
        Assert.Equal((15000L, version), await ChargeAsync(after));
        Assert.Equal((15000L, version), await ChargeAsync(afterOnFirst));
        Assert.Equal(FileVersion, await fixture.ScalarAsync<string>("select entitlement->>'policyVersion' from calls where call_sid = $1", before));
        Assert.Equal(version, await fixture.ScalarAsync<string>("select entitlement->>'policyVersion' from calls where call_sid = $1", after));
        Assert.Equal(version, await fixture.ScalarAsync<string>("select policy_version from incidents where call_sid = $1", after));

        var list = await AdminApi.ExpectAsync(await Client(_second, AdminApi.BootstrapKey).GetAsync("/api/policies/constellix/versions"), HttpStatusCode.OK);
        var statuses = list["items"]!.AsArray().ToDictionary(i => (string)i!["version"]!, i => (string)i!["status"]!);
        Assert.Equal("effective", statuses[version]);
        Assert.Equal("superseded", statuses[FileVersion]);
    }

    [Fact]
    public async Task IncidentSpanningTheChange_KeepsItsFirstCallsVersion_AndItsChargesCarryIt()
    {
        var version = $"test-{_tag}-span";
        await AdminApi.ExpectAsync(await PublishAsync(_admin, RateRise(version), Midnight), HttpStatusCode.Created);
        await HoldsAsync(_second, version);
        var account = await ContractAsync();

        var first = await CallAsync(_second, account, ChangeDay.PlusDays(-1).At(new LocalTime(23, 50)), 20);
        var second = await CallAsync(_second, account, ChangeDay.At(new LocalTime(0, 10)), 25);
        Assert.Equal((7500L, version), await ChargeAsync(second)); // alone, the later call is the new version's: 25 minutes, 1 step at $150/h
        var incident = await fixture.ScalarAsync<Guid>("select id from incidents where call_sid = $1", first);
        var attached = await AdminApi.ExpectAsync(await _admin.PostAsJsonAsync($"/api/incidents/{incident}/calls", new { callSid = second }), HttpStatusCode.OK);

        Assert.Equal("closed", (string?)attached["status"]);
        Assert.Equal(FileVersion, await fixture.ScalarAsync<string>("select policy_version from incidents where id = $1", incident));
        // 45 minutes of the incident: 2 steps at its first call's $120/h, not the $150/h in effect when the second call came.
        Assert.Equal(12000L, await fixture.ScalarAsync<long>("select amount from charges where incident_id = $1 and status = 'pending'", incident));
        Assert.Equal(FileVersion, await fixture.ScalarAsync<string>("select policy_version from charges where incident_id = $1 and status = 'pending'", incident));
    }

    [Fact]
    public async Task Publishing_RefusesBrokenDrafts_WithLineNumbers_AWrongProvider_ARepeatedVersion_APastInstant_AndNonAdmins()
    {
        var future = Midnight;
        var broken = RateRise($"test-{_tag}-broken").Replace("currency: usd", "currency: usd\nbogusKey: 1", StringComparison.Ordinal);
        var brokenLine = broken.Split('\n').ToList().FindIndex(l => l.StartsWith("bogusKey", StringComparison.Ordinal)) + 1;
        Assert.True(brokenLine > 1);
        var problem = await AdminApi.ProblemAsync(await PublishAsync(_admin, broken, future), HttpStatusCode.UnprocessableEntity);
        var lines = problem["lines"]!.AsArray();
        Assert.Contains(lines, l => (int)l!["line"]! == brokenLine && ((string)l["message"]!).Contains("bogusKey", StringComparison.Ordinal));
        Assert.Contains($"line {brokenLine}:", AdminApi.Errors(problem, "yaml"));

        var constructor = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "ivr-flows", "constructor.policy.yaml"))
            .Replace($"version: \"{FileVersion}\"", $"version: \"test-{_tag}-other\"", StringComparison.Ordinal);
        var wrong = await AdminApi.ProblemAsync(await PublishAsync(_admin, constructor, future), HttpStatusCode.UnprocessableEntity);
        Assert.Contains("'constructor'", AdminApi.Errors(wrong, "yaml"));

        var repeated = await AdminApi.ProblemAsync(await PublishAsync(_admin, ShippedYaml(), future), HttpStatusCode.Conflict);
        Assert.Contains(FileVersion, AdminApi.Errors(repeated, "version"));

        var past = await AdminApi.ProblemAsync(await PublishAsync(_admin, RateRise($"test-{_tag}-past"), fixture.Clock.GetCurrentInstant() - Duration.FromMinutes(1)),
            HttpStatusCode.UnprocessableEntity);
        Assert.Contains("history is not rewritten", AdminApi.Errors(past, "effectiveFrom"));

        await AdminApi.ProblemAsync(await _admin.PostAsJsonAsync("/api/policies/acme/versions", new { yaml = ShippedYaml(), effectiveFrom = future.ToString() }), HttpStatusCode.NotFound);
        var malformed = await AdminApi.ProblemAsync(await _admin.PostAsJsonAsync("/api/policies/constellix/versions", new { yaml = ShippedYaml(), effectiveFrom = "tomorrow" }),
            HttpStatusCode.BadRequest);
        Assert.NotEmpty(AdminApi.Errors(malformed, "effectiveFrom"));

        var api = new AdminApi(fixture);
        await using (api)
        {
            var (financeKey, _) = await api.CreateKeyAsync("finance");
            var finance = Client(_first, financeKey);
            Assert.Equal(HttpStatusCode.Forbidden, (await PublishAsync(finance, RateRise($"test-{_tag}-finance"), future)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await finance.GetAsync("/api/policies/constellix/versions")).StatusCode); // read scope lists
        }
        Assert.Equal(0L, await fixture.ScalarAsync<long>("select count(*) from policy_versions where version like $1", $"test-{_tag}-%"));
    }

    [Fact]
    public async Task AScheduledVersion_IsWithdrawn_OnEveryInstance_AnEffectiveOneIsNot_AndBothAreAudited()
    {
        var version = $"test-{_tag}-withdrawn";
        var created = await PublishAsync(_admin, RateRise(version), Midnight);
        await AdminApi.ExpectAsync(created, HttpStatusCode.Created);
        Assert.Equal($"/api/policies/constellix/versions/{version}", created.Headers.Location?.OriginalString);
        await HoldsAsync(_second, version);

        var one = await AdminApi.ExpectAsync(await Client(_second, AdminApi.BootstrapKey).GetAsync($"/api/policies/constellix/versions/{version}"), HttpStatusCode.OK);
        Assert.Equal("scheduled", (string)one["status"]!);
        Assert.Equal("api", (string)one["source"]!);
        Assert.Contains("night: 15000", (string)one["yaml"]!);

        Assert.Equal(HttpStatusCode.NoContent, (await Client(_second, AdminApi.BootstrapKey).DeleteAsync($"/api/policies/constellix/versions/{version}")).StatusCode);
        await HoldsAsync(_first, version, held: false);
        await HoldsAsync(_second, version, held: false);
        var again = await AdminApi.ProblemAsync(await _admin.DeleteAsync($"/api/policies/constellix/versions/{version}"), HttpStatusCode.Conflict);
        Assert.Contains("withdrawn", AdminApi.Errors(again, "version"));
        var effective = await AdminApi.ProblemAsync(await _admin.DeleteAsync($"/api/policies/constellix/versions/{FileVersion}"), HttpStatusCode.Conflict);
        Assert.Contains("took effect", AdminApi.Errors(effective, "version"));
        await AdminApi.ProblemAsync(await _admin.DeleteAsync($"/api/policies/constellix/versions/test-{_tag}-none"), HttpStatusCode.NotFound);
        var republished = await AdminApi.ProblemAsync(await PublishAsync(_admin, RateRise(version), Midnight), HttpStatusCode.Conflict); // the name stays taken
        Assert.NotEmpty(AdminApi.Errors(republished, "version"));

        var list = await AdminApi.ExpectAsync(await _admin.GetAsync("/api/policies/constellix/versions"), HttpStatusCode.OK);
        var row = list["items"]!.AsArray().Single(i => (string)i!["version"]! == version)!;
        Assert.Equal("withdrawn", (string)row["status"]!);
        Assert.Equal("bootstrap", (string)row["withdrawnBy"]!);
        Assert.Equal("effective", (string)list["items"]!.AsArray().Single(i => (string)i!["version"]! == FileVersion)!["status"]!);

        var audit = await DeskApi.AuditAsync(_admin, "policyVersion", Uri.EscapeDataString($"constellix/{version}"));
        Assert.Equal(["withdrawn", "published"], audit.Select(a => (string)a["action"]!));
        Assert.Equal(version, (string)audit[1]["after"]!["version"]!);
        Assert.Equal("withdrawn", (string)audit[0]["after"]!["status"]!);
        Assert.Equal(1L, await fixture.ScalarAsync<long>("select count(*) from policy_versions where provider = 'constellix' and version = $1 and withdrawn_at is not null", version));
    }

    [Fact]
    public async Task PolicyQueries_AndSlaRecords_AreTheVersionInEffectAtTheInstant()
    {
        var version = $"test-{_tag}-premier";
        var yaml = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "ivr-flows", "constructor.policy.yaml"))
            .Replace($"version: \"{FileVersion}\"", $"version: \"{version}\"", StringComparison.Ordinal)
            .Replace("\"1\": PT15M, \"2\": PT30M", "\"1\": PT10M, \"2\": PT30M", StringComparison.Ordinal);
        var zurichMidnight = DateTimeZoneProviders.Tzdb["Europe/Zurich"].AtStartOfDay(ChangeDay).ToInstant();
        await AdminApi.ExpectAsync(await _admin.PostAsJsonAsync("/api/policies/constructor/versions", new { yaml, effectiveFrom = zurichMidnight.ToString() }),
            HttpStatusCode.Created);
        await HoldsAsync(_second, version, provider: "constructor");
        var second = Client(_second, AdminApi.BootstrapKey);

        async Task<string> TargetAsync(Instant start) =>
            (string)(await AdminApi.ExpectAsync(await second.GetAsync($"/api/policies/constructor/due?plan=Premier&severity=1&start={start}"), HttpStatusCode.OK))["target"]!;
        Assert.Equal("PT15M", await TargetAsync(zurichMidnight - Duration.FromHours(14))); // Tuesday 10:00 in Zurich: the file's target
        Assert.Equal("PT10M", await TargetAsync(zurichMidnight + Duration.FromHours(10))); // Wednesday 10:00: the new version's

        // Premier severity-1 calls walked through the webhooks: each SLA record carries the target and version of its call's instant.
        var account = await TestAccounts.CreateAsync(fixture, "constructor", "Premier");
        async Task<string> PremierCallAsync(Instant at)
        {
            fixture.Clock.Set(at);
            await TestTechnicians.OfflineAllAsync(fixture);
            await TestTechnicians.CreateAsync(fixture, "constructor");
            var (result, _) = await SimulatedCalls.CallAsync(fixture, "+41525550100", account.Phone, ScriptedCaller.Keys("1", account.AccountNumber + "#", "1"),
                TechnicianScript.Accepting(TimeSpan.FromMinutes(5)), _second.CreateClient());
            return result.CallSid;
        }
        var before = await PremierCallAsync(zurichMidnight - Duration.FromHours(14));
        var after = await PremierCallAsync(zurichMidnight + Duration.FromHours(10));
        Assert.Equal("PT15M", await fixture.ScalarAsync<string>("select target from sla_records where call_sid = $1", before));
        Assert.Equal(FileVersion, await fixture.ScalarAsync<string>("select policy_version from sla_records where call_sid = $1", before));
        Assert.Equal("PT10M", await fixture.ScalarAsync<string>("select target from sla_records where call_sid = $1", after));
        Assert.Equal(version, await fixture.ScalarAsync<string>("select policy_version from sla_records where call_sid = $1", after));
    }

    [Fact]
    public async Task TheSameVersionPublishedThroughTwoInstancesAtOnce_IsPublishedOnce()
    {
        var version = $"test-{_tag}-race";
        var secondAdmin = Client(_second, AdminApi.BootstrapKey);
        var answers = await Task.WhenAll(PublishAsync(_admin, RateRise(version), Midnight), PublishAsync(secondAdmin, RateRise(version), Midnight));

        Assert.Equal([HttpStatusCode.Created, HttpStatusCode.Conflict], answers.Select(a => a.StatusCode).Order());
        Assert.Equal(1L, await fixture.ScalarAsync<long>("select count(*) from policy_versions where version = $1", version));
        Assert.Equal(1L, await fixture.ScalarAsync<long>("select count(*) from audit_log where entity = 'policyVersion' and entity_id = $1", $"constellix/{version}"));
    }

    [Fact]
    public async Task PublishedVersions_AreImmutable_InTheDatabase()
    {
        var version = $"test-{_tag}-immutable";
        await AdminApi.ExpectAsync(await PublishAsync(_admin, RateRise(version), Midnight), HttpStatusCode.Created);
        var error = await Assert.ThrowsAsync<Npgsql.PostgresException>(() =>
            fixture.ScalarAsync<int>("update policy_versions set yaml = 'x' where version = $1 returning 1", version));
        Assert.Contains("immutable", error.MessageText);
        Assert.Equal(FileVersion, await fixture.ScalarAsync<string>("select version from policy_versions where provider = 'constellix' and source = 'file' order by effective_from limit 1"));
    }
}
