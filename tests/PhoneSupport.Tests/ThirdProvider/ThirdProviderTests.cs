using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using NodaTime;
using PhoneSupport.Data;
using PhoneSupport.Emulators.Twilio;
using PhoneSupport.Features.Accounts;
using PhoneSupport.Features.Billing;
using PhoneSupport.Features.Routing;
using PhoneSupport.TestSupport.Time;
using PhoneSupport.Tests.Admin;
using PhoneSupport.Tests.Hardening;
using PhoneSupport.Tests.Infrastructure;

namespace PhoneSupport.Tests.ThirdProvider;

/// <summary>
/// A third provider made of files only (<c>ThirdProvider/kiwi.policy.yaml</c> and <c>kiwi.flow.yaml</c>, loaded beside the
/// shipped files): Pacific/Auckland, NZD, quarter-hour steps with a two-step minimum, its own holidays, sales live after
/// hours, national numbers with a trunk prefix, two identification tries per call. Calls are walked end to end (signed
/// webhooks through the IVR, the technician leg, the status callbacks) on a host and database of its own, and the charges
/// are the ones its own numbers give.
/// </summary>
[Collection(ServiceHostCollection.Name)]
public sealed class ThirdProviderTests(ServiceFixture fixture) : IAsyncLifetime
{
    private const string Line = "+6495550100";
    private const string BootstrapKey = "third-provider-admin-key-0123456789abcdef";
    private static readonly DateTimeZone Auckland = DateTimeZoneProviders.Tzdb["Pacific/Auckland"];

    private readonly CapturingLoggerProvider _logs = new();
    private readonly ManualTimeProvider _clock = new(Instant.FromUtc(2026, 10, 1, 0, 0), timersInRealTime: true);
    private readonly string _database = "third_" + Guid.NewGuid().ToString("N")[..12];
    private string _flows = "";
    private string _connection = "";
    private WebApplicationFactory<Program> _host = null!;

    public async Task InitializeAsync()
    {
        _flows = Directory.CreateTempSubdirectory("flows-third-").FullName;
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "ivr-flows")))
            File.Copy(file, Path.Combine(_flows, Path.GetFileName(file)));
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "ThirdProvider"), "*.yaml"))
            File.Copy(file, Path.Combine(_flows, Path.GetFileName(file)));
        _connection = await fixture.Server.CreateDatabaseAsync(_database);
        _host = fixture.CreateFactory("Development", _connection, new Dictionary<string, string?>
        {
            ["PhoneSupport:FlowsPath"] = _flows,
            ["PhoneSupport:BootstrapAdminApiKey"] = BootstrapKey,
        }, _clock).WithWebHostBuilder(web => web.ConfigureLogging(logging => logging.AddProvider(_logs)));
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await fixture.Server.DropDatabaseAsync(_database);
        Directory.Delete(_flows, recursive: true);
    }

    private Instant At(int month, int day, int hour, int minute = 0) => Auckland.AtStrictly(new LocalDateTime(2026, month, day, hour, minute)).ToInstant();

    private async Task<T?> ScalarAsync<T>(string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(_connection);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var p in parameters) command.Parameters.AddWithValue(p);
        var result = await command.ExecuteScalarAsync();
        return result is null or DBNull ? default : (T)result;
    }

    private async Task<Account> AccountAsync(string plan, int usedIncluded = 0, string? stripeCustomer = null)
    {
        using var scope = _host.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<PhoneSupportDb>();
        var account = new Account(Guid.CreateVersion7(), "kiwi", $"Kiwi {plan}", plan, TestAccounts.UniqueDigits(), _clock.GetCurrentInstant());
        account.AddPhoneNumber("+6421" + TestAccounts.UniqueDigits(7));
        account.StripeCustomerId = stripeCustomer;
        if (plan == "Harbour") account.AddContract(Guid.CreateVersion7(), TestAccounts.UniqueDigits(8), new LocalDate(2026, 1, 15), new LocalDate(2027, 1, 14), _clock.GetCurrentInstant());
        db.Accounts.Add(account);
        await db.SaveChangesAsync();
        var contract = account.Contracts.SingleOrDefault();
        for (var i = 0; i < usedIncluded; i++)
            await ScalarAsync<int>("insert into allowance_uses (id, contract_id, contract_year_start, call_sid, status, claimed_at, committed_at) values (gen_random_uuid(), $1, $2, $3, 'committed', now(), now()) returning 1",
                contract!.Id, Auckland.AtStartOfDay(new LocalDate(2026, 1, 15)).ToInstant().ToDateTimeUtc(), "CA" + Guid.NewGuid().ToString("N"));
        return account;
    }

    /// <summary>One technician for kiwi, available and on call around <paramref name="at"/>.</summary>
    private async Task TechnicianAsync(Instant at, params string[] skills)
    {
        using var scope = _host.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<PhoneSupportDb>();
        var technician = new Technician(Guid.CreateVersion7(), "Aroha " + TestAccounts.UniqueDigits(4), "+6422" + TestAccounts.UniqueDigits(7), ["kiwi"], skills, at - Duration.FromHours(1));
        technician.SetAvailability(true, at - Duration.FromMinutes(30));
        db.Technicians.Add(technician);
        db.OnCallWindows.Add(new OnCallWindow(technician.Id, at - Duration.FromHours(2), at + Duration.FromHours(8)));
        await db.SaveChangesAsync();
    }

    private async Task<(CallResult Result, string Said)> CallAsync(Instant at, ScriptedCaller caller, TechnicianScript? technician = null, string? from = null,
        Action<WebhookExchange>? onWebhook = null)
    {
        _clock.Set(at);
        var driver = new CallDriver(_host.CreateClient(), new CallDriverOptions
        {
            VoiceUrl = ServiceFixture.PublicBaseUrl + "/twilio/voice",
            AuthToken = ServiceFixture.AuthToken,
            AccountSid = ServiceFixture.AccountSid,
            CallSid = TwilioWebhooks.NewCallSid(),
            From = from ?? "+6427" + TestAccounts.UniqueDigits(7),
            To = Line,
            Caller = caller,
            Technician = technician ?? new TechnicianScript(),
            StartTime = at.ToDateTimeOffset(),
            OnWebhook = onWebhook,
        });
        var result = await driver.RunAsync();
        Assert.True(result.Succeeded, string.Join(Environment.NewLine, result.Transcript));
        return (result, string.Join(" ", result.OfKind(TranscriptKind.Said).Select(e => e.Text)));
    }

    public static TheoryData<string, int, int, int, int, int, string, string, long, int> PricedContractCalls => new()
    {
        // window, month, day, hour, used included, talk minutes, heard, kind, amount (NZD cents), steps of 15 minutes
        { "holiday", 10, 26, 11, 0, 70, "You have 1 of 1 included incidents left. Beyond 30 minutes, 240 NZD per hour.", "beyondIncluded", 18000, 3 }, // Labour Day (4th Monday): 40 min beyond 30 → 3 × 60 NZD
        { "night", 10, 27, 22, 1, 10, "This call is billed at 160 NZD per hour", "priced", 8000, 2 },     // 10 min → the 2-step minimum → 2 × 40 NZD
        { "weekend", 10, 31, 10, 1, 31, "This call is billed at 180 NZD per hour", "priced", 13500, 3 },  // 31 min → 3 started quarter hours × 45 NZD
        { "holiday", 11, 13, 10, 1, 20, "This call is billed at 240 NZD per hour", "priced", 12000, 2 },  // the policy's own date (a Friday): 2 × 60 NZD
    };

    [Theory]
    [MemberData(nameof(PricedContractCalls))]
    public async Task ContractCall_IsWindowedAndChargedFromTheProvidersOwnStepMinimumAndRates(
        string window, int month, int day, int hour, int used, int talkMinutes, string heard, string kind, long amount, int steps)
    {
        var at = At(month, day, hour);
        var account = await AccountAsync("Harbour", used);
        await TechnicianAsync(at);
        var contract = account.Contracts.Single();

        var (result, said) = await CallAsync(at, ScriptedCaller.Keys("2", contract.ContractNumber + "#", "1"), TechnicianScript.Accepting(TimeSpan.FromMinutes(talkMinutes)));

        var sid = result.CallSid;
        Assert.Contains(heard, said, StringComparison.Ordinal);
        Assert.Equal(window, await ScalarAsync<string>("select \"window\" from incidents where call_sid = $1", sid));
        Assert.Equal("closed", await ScalarAsync<string>("select status from incidents where call_sid = $1", sid));
        Assert.Equal(talkMinutes * 60, await ScalarAsync<int>("select talk_seconds from incidents where call_sid = $1", sid));
        Assert.Equal("2026.12.1", await ScalarAsync<string>("select policy_version from incidents where call_sid = $1", sid));
        var charge = $"select {{0}} from charges c join incidents i on i.id = c.incident_id where i.call_sid = $1";
        Assert.Equal(kind, await ScalarAsync<string>(string.Format(charge, "kind"), sid));
        Assert.Equal(amount, await ScalarAsync<long>(string.Format(charge, "amount"), sid));
        Assert.Equal(steps, await ScalarAsync<int>(string.Format(charge, "steps"), sid));
        Assert.Equal(used == 0 ? (talkMinutes - 30) * 60 : talkMinutes * 60, await ScalarAsync<int>(string.Format(charge, "billed_seconds"), sid)); // beyond the included half hour
        Assert.Equal("nzd", await ScalarAsync<string>(string.Format(charge, "currency"), sid));
        Assert.Equal("consent", await ScalarAsync<string>("select e.kind from charges c join incidents i on i.id = c.incident_id join call_events e on e.id = c.consent_event_id where i.call_sid = $1", sid));
        Assert.Equal(used == 0 ? "committed" : null, await ScalarAsync<string>("select status from allowance_uses where call_sid = $1", sid));
    }

    [Fact]
    public async Task BusinessHours_ContractCallIsLiveAndFree_InAucklandTime()
    {
        var at = At(10, 28, 10); // Wednesday 10:00 NZDT = Tuesday 21:00 UTC
        var account = await AccountAsync("Harbour");
        await TechnicianAsync(at);

        var (result, _) = await CallAsync(at, ScriptedCaller.Keys("2", account.Contracts.Single().ContractNumber + "#"), TechnicianScript.Accepting(TimeSpan.FromMinutes(50)));

        Assert.Equal("business", await ScalarAsync<string>("select \"window\" from incidents where call_sid = $1", result.CallSid));
        Assert.Equal("liveRoute", await ScalarAsync<string>("select decision from incidents where call_sid = $1", result.CallSid));
        Assert.Equal(0L, await ScalarAsync<long>("select count(*) from charges c join incidents i on i.id = c.incident_id where i.call_sid = $1", result.CallSid));
    }

    [Fact]
    public async Task BoughtQuarterHour_ChargesTheBlockAndTheTimeBeyondInQuarterHours()
    {
        var at = At(10, 28, 10);
        var account = await AccountAsync("Reef", stripeCustomer: "cus_Kiwi" + TestAccounts.UniqueDigits(6));
        await TechnicianAsync(at);

        var (result, said) = await CallAsync(at, ScriptedCaller.Keys("3", account.AccountNumber + "#", "1"), TechnicianScript.Accepting(TimeSpan.FromMinutes(40)));

        Assert.Contains("For 15 minutes at 25 NZD, press 1.", said, StringComparison.Ordinal);
        var charges = "select {0} from charges c join incidents i on i.id = c.incident_id where i.call_sid = $1 and c.kind = $2";
        Assert.Equal(2500L, await ScalarAsync<long>(string.Format(charges, "amount"), result.CallSid, "purchased"));
        // 25 minutes beyond the block: 2 started quarter hours at $100/h.
        Assert.Equal(5000L, await ScalarAsync<long>(string.Format(charges, "amount"), result.CallSid, "beyondPurchased"));
        Assert.Equal(2, await ScalarAsync<int>(string.Format(charges, "steps"), result.CallSid, "beyondPurchased"));
        Assert.Equal("nzd", await ScalarAsync<string>(string.Format(charges, "currency"), result.CallSid, "purchased"));
        Assert.Equal("25 NZD for 15 minutes, charged to the card on file; beyond that, 100 NZD per hour in 15-minute steps",
            await ScalarAsync<string>("select data->>'prompt' from call_events where call_sid = $1 and kind = 'consent'", result.CallSid));
    }

    [Fact]
    public async Task SalesAfterHours_IsLiveWithTheOnCallSalesSkill_AsThePolicySays()
    {
        var at = At(10, 27, 22); // Tuesday night
        await TechnicianAsync(at, "kiwi-sales");

        var (result, said) = await CallAsync(at, ScriptedCaller.Keys("1"), TechnicianScript.Accepting(TimeSpan.FromMinutes(5)));

        Assert.DoesNotContain("leave your name", said, StringComparison.Ordinal);
        Assert.Equal("liveRoute", await ScalarAsync<string>("select data->>'decision' from call_events where call_sid = $1 and kind = 'decision'", result.CallSid));
        Assert.Equal("night", await ScalarAsync<string>("select data->>'window' from call_events where call_sid = $1 and kind = 'decision'", result.CallSid));
        Assert.Equal(300L, await ScalarAsync<long>("select coalesce(sum(seconds), 0)::bigint from incident_legs where call_sid = $1", result.CallSid));
    }

    [Fact]
    public async Task CallbackNumberKeyedNationally_GetsTheProvidersCountryCode()
    {
        var at = At(10, 27, 22); // night: Harbour without its contract number is not covered → callback
        var account = await AccountAsync("Harbour");

        var (result, _) = await CallAsync(at, ScriptedCaller.Keys("3", account.AccountNumber + "#", "2", "0212345678#"));

        Assert.Equal("+64212345678", await ScalarAsync<string>("select phone_number from callbacks where call_sid = $1", result.CallSid));
    }

    [Fact]
    public async Task IdentificationTries_AreBoundedByMaxTriesPerCall_NotTheStepsMaxAttempts()
    {
        var (result, said) = await CallAsync(At(10, 28, 10), ScriptedCaller.Keys("2", "99990001#", "99990002#", "99990003#"));

        Assert.Contains("open a ticket at support dot kiwi dot example", said, StringComparison.Ordinal);
        Assert.Equal(2L, await ScalarAsync<long>("select count(*) from call_events where call_sid = $1 and kind = 'identify' and data->>'result' = 'notFound'", result.CallSid));
        Assert.Equal("2", await ScalarAsync<string>("select data->>'identificationTries' from call_events where call_sid = $1 and kind = 'attemptsExhausted'", result.CallSid));
    }

    [Fact]
    public async Task PricedCallWhoseConsentIsMissing_IsNotCharged_AndFinanceSeesTheRefusal()
    {
        var at = At(10, 27, 22);
        var account = await AccountAsync("Harbour", usedIncluded: 1, stripeCustomer: "cus_Kiwi" + TestAccounts.UniqueDigits(6));
        await TechnicianAsync(at);
        // The consent the caller gave is lost before the incident closes (as if the flow had never asked): when the
        // technician is dialled, the call's consent events are deleted.
        void LoseConsent(WebhookExchange exchange)
        {
            if (!exchange.Body.Contains("<Dial", StringComparison.Ordinal)) return;
            using var connection = new NpgsqlConnection(_connection);
            connection.Open();
            using var command = new NpgsqlCommand("delete from call_events where kind = 'consent' and call_sid in (select call_sid from calls where account_id = $1)", connection);
            command.Parameters.AddWithValue(account.Id);
            command.ExecuteNonQuery();
        }

        var (result, _) = await CallAsync(at, ScriptedCaller.Keys("2", account.Contracts.Single().ContractNumber + "#", "1"),
            TechnicianScript.Accepting(TimeSpan.FromMinutes(40)), onWebhook: LoseConsent);

        Assert.Equal("closed", await ScalarAsync<string>("select status from incidents where call_sid = $1", result.CallSid));
        Assert.Equal(0L, await ScalarAsync<long>("select count(*) from billing_outbox b join incidents i on i.id = b.incident_id where i.call_sid = $1", result.CallSid));
        using var api = _host.CreateClient();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", BootstrapKey);
        var body = await AdminApi.ExpectAsync(await api.GetAsync($"/api/charges?accountId={account.Id}"), HttpStatusCode.OK);
        var charge = Assert.Single(body["items"]!.AsArray())!.AsObject();
        Assert.Equal("waived", (string?)charge["status"]);
        Assert.Equal(IncidentService.NoConsent, (string?)charge["waived"]!["reason"]);
        Assert.Equal("service", (string?)charge["waived"]!["by"]);
        Assert.Null(charge["consent"]);
        Assert.Equal(12000L, (long)charge["amount"]!["amount"]!); // what it would have cost: 40 min → 3 quarter hours × 40 NZD
        Assert.Equal("refused", await ScalarAsync<string>("select kind from charge_events where charge_id = $1::uuid order by id limit 1", (string)charge["id"]!));
        Assert.Contains(_logs.Entries, e => e.Level == LogLevel.Error && e.Category == typeof(IncidentService).FullName
            && e.Message.Contains("has no recorded consent; refused, not charged", StringComparison.Ordinal) && e.Message.Contains(result.CallSid, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AdminApi_AcceptsTheThirdProviderAndNamesTheLoadedOnesForUnknownProvidersAndPlans()
    {
        using var api = _host.CreateClient();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", BootstrapKey);
        object Account(string provider, string membership) => new
        {
            provider, name = "Kiwi Test", membership, accountNumber = TestAccounts.UniqueDigits(10), phoneNumbers = new[] { "+6421" + TestAccounts.UniqueDigits(7) },
        };

        await AdminApi.ExpectAsync(await api.PostAsJsonAsync("/api/accounts", Account("kiwi", "Reef")), HttpStatusCode.Created);
        var provider = await AdminApi.ExpectAsync(await api.PostAsJsonAsync("/api/accounts", Account("moa", "Reef")), HttpStatusCode.BadRequest);
        var plan = await AdminApi.ExpectAsync(await api.PostAsJsonAsync("/api/accounts", Account("kiwi", "Corporate")), HttpStatusCode.BadRequest);
        var technician = await AdminApi.ExpectAsync(await api.PostAsJsonAsync("/api/technicians",
            new { name = "Moa", phoneNumber = "+6422" + TestAccounts.UniqueDigits(7), providers = new[] { "moa" }, skills = Array.Empty<string>() }), HttpStatusCode.BadRequest);
        await AdminApi.ExpectAsync(await api.PostAsJsonAsync("/api/technicians",
            new { name = "Tui", phoneNumber = "+6422" + TestAccounts.UniqueDigits(7), providers = new[] { "kiwi" }, skills = Array.Empty<string>() }), HttpStatusCode.Created);
        var list = await AdminApi.ExpectAsync(await api.GetAsync("/api/accounts?provider=moa"), HttpStatusCode.BadRequest);

        foreach (var problem in new[] { provider, technician, list })
        {
            var text = string.Join(" ", problem["errors"]!.AsObject().SelectMany(e => e.Value!.AsArray().Select(v => (string?)v)));
            Assert.Contains("'moa' is not a provider with a loaded policy; one of: ", text, StringComparison.Ordinal);
            Assert.All(new[] { "constellix", "constructor", "kiwi" }, name => Assert.Contains(name, text, StringComparison.Ordinal));
        }
        Assert.Equal("'Corporate' is not a kiwi plan; one of: Harbour, Reef.", (string?)plan["errors"]!["membership"]![0]);
    }
}
