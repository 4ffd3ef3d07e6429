using System.Net;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using PhoneSupport.Emulators.Twilio;
using PhoneSupport.Emulators.Twilio.Rest;
using PhoneSupport.Features.Callbacks;
using PhoneSupport.Features.Console;
using PhoneSupport.Features.Queue;
using PhoneSupport.Tests.Admin;
using PhoneSupport.Tests.Infrastructure;

namespace PhoneSupport.Tests;

/// <summary>
/// SLA records of Constructor calls (response targets) through signed webhooks and the Twilio emulator, the desk's time left
/// on the SLA clock, and plan priority deciding who gets the one free technician.
/// </summary>
[Collection(ServiceHostCollection.Name)]
public sealed class SlaTests(ServiceFixture fixture) : IAsyncLifetime
{
    private const string Line = "+41525550100";
    private static readonly DateTimeZone Zurich = DateTimeZoneProviders.Tzdb["Europe/Zurich"];
    private readonly Instant _restore = fixture.Clock.GetCurrentInstant();
    private readonly AdminApi _api = new(fixture);
    private readonly TwilioWebhooks _twilio = new(fixture.Factory.CreateClient());

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        fixture.Clock.Set(_restore);
        await QuietLineAsync();
        await _api.DisposeAsync();
    }

    private void At(int day, int hour, int minute = 0) => fixture.Clock.Set(Local(day, hour, minute));

    /// <summary>Thursday 2026-07-09 is day 9 (CEST, UTC+2).</summary>
    private static Instant Local(int day, int hour, int minute = 0) => Zurich.AtStrictly(new LocalDateTime(2026, 7, day, hour, minute)).ToInstant();

    private static string Utc(Instant instant) => NodaTime.Text.InstantPattern.ExtendedIso.Format(instant);

    /// <summary>Other tests' technicians, callers in line and promises would compete for the technician: none are left.</summary>
    private async Task QuietLineAsync()
    {
        await TestTechnicians.OfflineAllAsync(fixture);
        await fixture.ScalarAsync<int>("with c as (update callbacks set status = 'cancelled' where status in ('scheduled', 'dialing') returning 1) select count(*)::int from c");
        await fixture.ScalarAsync<int>("with q as (update queue_entries set status = 'left' where status in ('waiting', 'connecting') returning 1) select count(*)::int from q");
    }

    /// <summary>A whole call to the Constructor line: English, the customer number, the severity, then what the flow asks next.</summary>
    private async Task<string> CallAsync(TestAccounts.Created account, string severity, TechnicianScript? technicians = null, params string[] more)
    {
        var (result, _) = await SimulatedCalls.CallAsync(fixture, Line, account.Phone, ScriptedCaller.Keys(["1", account.AccountNumber + "#", severity, .. more]), technicians);
        return result.CallSid;
    }

    private async Task<JsonObject> IncidentOfAsync(string callSid)
    {
        var id = await fixture.ScalarAsync<Guid>("select id from incidents where call_sid = $1", callSid);
        return await AdminApi.ExpectAsync(await _api.Admin.GetAsync($"/api/incidents/{id}"), HttpStatusCode.OK);
    }

    private async Task<T> InScopeAsync<TService, T>(Func<TService, Task<T>> run) where TService : notnull
    {
        using var scope = fixture.Factory.Services.CreateScope();
        return await run(scope.ServiceProvider.GetRequiredService<TService>());
    }

    [Fact]
    public async Task PremierSeverity1_ConnectedAtOnce_IncidentShowsTheSlaMet()
    {
        At(8, 10);
        await QuietLineAsync();
        var account = await TestAccounts.CreateAsync(fixture, "constructor", "Premier");
        await TestTechnicians.CreateAsync(fixture, "constructor");

        var sid = await CallAsync(account, "1", TechnicianScript.Accepting(TimeSpan.FromMinutes(12)));

        var incident = await IncidentOfAsync(sid);
        var sla = incident["sla"]!.AsObject();
        Assert.Equal(1, (int)sla["severity"]!);
        Assert.Equal("PT15M", (string?)sla["target"]);
        Assert.Equal("24x7", (string?)sla["clock"]);
        Assert.Equal(Utc(Local(8, 10, 15)), (string?)sla["dueAt"]);
        Assert.Equal(Utc(Local(8, 10)), (string?)sla["firstContactAt"]);
        Assert.True((bool)sla["met"]!);
        Assert.Empty(incident["notes"]!.AsArray());
        Assert.Equal(sid, (string?)incident["callSid"]);

        var list = await AdminApi.ExpectAsync(await _api.Admin.GetAsync($"/api/incidents?accountId={account.AccountId}"), HttpStatusCode.OK);
        Assert.True((bool)Assert.Single(list["items"]!.AsArray())!["sla"]!["met"]!);
    }

    [Fact]
    public async Task StandardCallback_DialledAfterItsDueTime_IncidentShowsTheSlaMissed()
    {
        At(9, 21);
        await QuietLineAsync();
        var account = await TestAccounts.CreateAsync(fixture, "constructor", "Standard");

        var sid = await CallAsync(account, "1", null, "1");

        // Promised at night: the record exists before anyone is connected; 4 coverage hours from Friday 08:00.
        Assert.Equal(Local(10, 12).ToDateTimeUtc(), await fixture.ScalarAsync<DateTime>("select due_at from sla_records where call_sid = $1", sid));
        Assert.Equal("coverage", await fixture.ScalarAsync<string>("select clock from sla_records where call_sid = $1", sid));
        Assert.Null(await fixture.ScalarAsync<bool?>("select met from sla_records where call_sid = $1", sid));

        At(10, 13);
        var technician = await TestTechnicians.CreateAsync(fixture, "constructor");
        fixture.Twilio.Phone(technician.PhoneNumber, CalledParty.Pressing("1")).Phone(account.Phone, CalledParty.Talking(TimeSpan.FromMinutes(9)));
        Assert.Equal(1, await InScopeAsync<CallbackDispatcher, int>(d => d.DispatchOnceAsync(default)));
        var leg = await fixture.ScalarAsync<string>("select twilio_call_sid from callbacks where call_sid = $1", sid);
        await fixture.Twilio.RunCallAsync(leg!);

        Assert.Equal("completed", await fixture.ScalarAsync<string>("select status from callbacks where call_sid = $1", sid));
        var sla = (await IncidentOfAsync(sid))["sla"]!.AsObject();
        Assert.Equal("PT4H", (string?)sla["target"]);
        Assert.Equal("coverage", (string?)sla["clock"]);
        Assert.Equal(Utc(Local(10, 12)), (string?)sla["dueAt"]);
        Assert.Equal(Utc(Local(10, 12, 51)), (string?)sla["firstContactAt"]);
        Assert.False((bool)sla["met"]!);
    }

    [Fact]
    public async Task GetIncident_UnknownId_AnswersProblem404()
    {
        var response = await _api.Admin.GetAsync($"/api/incidents/{Guid.NewGuid()}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Desk_CoverageClockCallback_ShowsCoverageHoursLeft_NotWallHours()
    {
        At(9, 21);
        await QuietLineAsync();
        var standard = await TestAccounts.CreateAsync(fixture, "constructor", "Standard");
        var premier = await TestAccounts.CreateAsync(fixture, "constructor", "Premier");
        var standardCall = await CallAsync(standard, "1", null, "1");
        var premierCall = await CallAsync(premier, "2", null, "1");

        At(9, 21, 30);
        var queue = await InScopeAsync<TechnicianDesk, List<QueuedCallback>>(d => d.QueueAsync(["constructor"], default));

        var standardRow = Assert.Single(queue, c => c.PhoneNumber == standard.Phone);
        Assert.Equal(Local(10, 12), standardRow.DueAt);
        Assert.Equal(Duration.FromHours(4), standardRow.Left); // 14 h 30 min on the wall
        Assert.Equal("coverage", standardRow.Clock);
        Assert.False(standardRow.AtRisk);
        var premierRow = Assert.Single(queue, c => c.PhoneNumber == premier.Phone);
        Assert.Equal(Duration.FromMinutes(30), premierRow.Left); // severity 2: 30 minutes from Friday 08:00
        Assert.NotEqual(standardCall, premierCall);

        At(10, 7, 50);
        var morning = await InScopeAsync<TechnicianDesk, List<QueuedCallback>>(d => d.QueueAsync(["constructor"], default));
        Assert.Equal(Duration.FromHours(4), Assert.Single(morning, c => c.PhoneNumber == standard.Phone).Left);
        At(10, 9);
        var opened = await InScopeAsync<TechnicianDesk, List<QueuedCallback>>(d => d.QueueAsync(["constructor"], default));
        Assert.Equal(Duration.FromHours(3), Assert.Single(opened, c => c.PhoneNumber == standard.Phone).Left);
    }

    [Fact]
    public async Task Escalation_CallbackOnTheCoverageClock_IsAtRiskWhenItsCoverageHoursLeftAreWithinTheLeadTime()
    {
        At(9, 21);
        await QuietLineAsync();
        var account = await TestAccounts.CreateAsync(fixture, "constructor", "Standard");
        var sid = await CallAsync(account, "1", null, "1");
        // A promise due ten minutes after Friday's opening (as a 10-minute target would be): 11 h 10 min away on the wall,
        // but only 10 minutes of coverage are left, within the 15-minute escalation lead time.
        var due = Local(10, 8, 10).ToDateTimeUtc();
        await fixture.ScalarAsync<int>("with c as (update callbacks set due_at = $2 where call_sid = $1 returning 1) select count(*)::int from c", sid, due);
        await fixture.ScalarAsync<int>("with s as (update sla_records set due_at = $2 where call_sid = $1 returning 1) select count(*)::int from s", sid, due);
        var texts = fixture.Twilio.Messages.Count;

        Assert.Equal(0, await InScopeAsync<CallbackDispatcher, int>(d => d.DispatchOnceAsync(default))); // not before Friday 08:00

        var id = await fixture.ScalarAsync<Guid>("select id from callbacks where call_sid = $1", sid);
        var callback = await AdminApi.ExpectAsync(await _api.Admin.GetAsync($"/api/callbacks/{id}"), HttpStatusCode.OK);
        Assert.True((bool)callback["atRisk"]!);
        Assert.Equal(texts + 1, fixture.Twilio.Messages.Count);
        var desk = await InScopeAsync<TechnicianDesk, List<QueuedCallback>>(d => d.QueueAsync(["constructor"], default));
        var row = Assert.Single(desk, c => c.Id == id);
        Assert.Equal(Duration.FromMinutes(10), row.Left);
        Assert.True(row.AtRisk);
    }

    /// <summary>Walks a Standard caller through the IVR with single signed webhooks; returns its last TwiML.</summary>
    private async Task<(string Sid, XDocument Twiml)> StandardCallerAsync(string severity)
    {
        var account = await TestAccounts.CreateAsync(fixture, "constructor", "Standard");
        var sid = TwilioWebhooks.NewCallSid();
        var form = TwilioWebhooks.IncomingCall(sid, to: Line, from: account.Phone);
        var twiml = await _twilio.PostTwimlAsync("/twilio/voice", form);
        foreach (var digits in new[] { "1", account.AccountNumber, severity })
            twiml = await _twilio.PostTwimlAsync(TwilioWebhooks.ActionOf(twiml), new Dictionary<string, string?>(form) { ["Digits"] = digits });
        fixture.Twilio.TrackCall(sid, account.Phone, Line);
        return (sid, twiml);
    }

    /// <summary>A Premier severity 2 promise made Thursday night: due on the coverage clock, dialled from Friday 08:00.</summary>
    private async Task<(Guid Id, TestAccounts.Created Account)> PremierPromiseAsync()
    {
        At(9, 21);
        var premier = await TestAccounts.CreateAsync(fixture, "constructor", "Premier");
        var sid = await CallAsync(premier, "2", null, "1");
        return (await fixture.ScalarAsync<Guid>("select id from callbacks where call_sid = $1", sid), premier);
    }

    [Fact]
    public async Task OneFreeTechnician_DueCorporateFirstPromise_IsServedAheadOfALowerPriorityLiveCaller()
    {
        await QuietLineAsync();
        var (callback, premier) = await PremierPromiseAsync();
        At(10, 9);
        var technician = await TestTechnicians.CreateAsync(fixture, "constructor");
        fixture.Twilio.Phone(technician.PhoneNumber, CalledParty.Pressing("1")).Phone(premier.Phone, CalledParty.Talking(TimeSpan.FromMinutes(5)));

        // A Standard (priority 3) caller rings while the Premier (priority 1) promise waits for the only free technician: it holds in line.
        var (standard, twiml) = await StandardCallerAsync("3");

        Assert.Single(twiml.Descendants("Enqueue"));
        Assert.Empty(twiml.Descendants("Dial"));
        Assert.Equal("waiting", await fixture.ScalarAsync<string>("select status from queue_entries where call_sid = $1", standard));
        Assert.Equal(1, await InScopeAsync<CallbackDispatcher, int>(d => d.DispatchOnceAsync(default)));
        Assert.Equal($"cb-{callback:N}", await fixture.ScalarAsync<string>("select reserved_call_sid from technicians where id = $1", technician.Id));
        Assert.Equal(0, await InScopeAsync<QueueDispatcher, int>(d => d.DispatchOnceAsync(default)));
    }

    [Fact]
    public async Task PromiseRefusedATechnicianJustNow_StillGoesFirst_AndIsWokenWhenOneIsFree()
    {
        await QuietLineAsync();
        var (callback, premier) = await PremierPromiseAsync();
        At(10, 9);
        Assert.Equal(0, await InScopeAsync<CallbackDispatcher, int>(d => d.DispatchOnceAsync(default))); // nobody free: retried in a minute
        Assert.Equal(Local(10, 9, 1).ToDateTimeUtc(), await fixture.ScalarAsync<DateTime>("select next_attempt_at from callbacks where id = $1", callback));
        var technician = await TestTechnicians.CreateAsync(fixture, "constructor");
        fixture.Twilio.Phone(technician.PhoneNumber, CalledParty.Pressing("1")).Phone(premier.Phone, CalledParty.Talking(TimeSpan.FromMinutes(5)));

        var (_, twiml) = await StandardCallerAsync("2");

        Assert.Single(twiml.Descendants("Enqueue"));
        Assert.Equal(Local(10, 9).ToDateTimeUtc(), await fixture.ScalarAsync<DateTime>("select next_attempt_at from callbacks where id = $1", callback));
        Assert.Equal(1, await InScopeAsync<CallbackDispatcher, int>(d => d.DispatchOnceAsync(default)));
        Assert.Equal($"cb-{callback:N}", await fixture.ScalarAsync<string>("select reserved_call_sid from technicians where id = $1", technician.Id));
    }

    [Fact]
    public async Task Constellix_CorporatePromiseWaiting_GetsTheOneFreeTechnician_NotTheBusinessCallerWhoJustBoughtTime()
    {
        var newYork = DateTimeZoneProviders.Tzdb["America/New_York"];
        fixture.Clock.Set(newYork.AtStrictly(new LocalDateTime(2026, 8, 18, 11, 0)).ToInstant());
        await QuietLineAsync();
        var corporate = await TestAccounts.CreateAsync(fixture, "constellix", "Corporate");
        var (promise, promised) = await SimulatedCalls.CallAsync(fixture, "+17038803095", corporate.Phone, ScriptedCaller.Keys("3", "1", "1"));
        Assert.Contains("A technician will call you back", promised);
        var technician = await TestTechnicians.CreateAsync(fixture, "constellix");
        fixture.Twilio.Phone(technician.PhoneNumber, CalledParty.Pressing("1")).Phone(corporate.Phone, CalledParty.Talking(TimeSpan.FromMinutes(5)));
        var business = await TestAccounts.CreateAsync(fixture, "constellix", "Business", stripeCustomer: Billing.Billed.NewCustomer());

        // 3 membership support, 1 "yes, this account", 1 buys 30 minutes; the one free technician is the Corporate promise's, so: a callback (1).
        var (bought, said) = await SimulatedCalls.CallAsync(fixture, "+17038803095", business.Phone, ScriptedCaller.Keys("3", "1", "1", "1"));

        Assert.Contains("is booked", said);
        Assert.Contains("A technician will call you back", said);
        Assert.Equal("available", await fixture.ScalarAsync<string>("select status from technicians where id = $1", technician.Id));
        Assert.Equal(1, await InScopeAsync<CallbackDispatcher, int>(d => d.DispatchOnceAsync(default)));
        var corporateCallback = await fixture.ScalarAsync<Guid>("select id from callbacks where call_sid = $1", promise.CallSid);
        Assert.Equal($"cb-{corporateCallback:N}", await fixture.ScalarAsync<string>("select reserved_call_sid from technicians where id = $1", technician.Id));
        Assert.Equal("scheduled", await fixture.ScalarAsync<string>("select status from callbacks where call_sid = $1", bought.CallSid));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task QueueAndCallbackDispatchersRacing_ForOneTechnician_TheHigherPriorityCallerGetsIt(bool queueFirst)
    {
        await QuietLineAsync();
        var (callback, premier) = await PremierPromiseAsync();
        At(10, 9);
        var (standard, twiml) = await StandardCallerAsync("1"); // no technician at all yet: in line
        Assert.Single(twiml.Descendants("Enqueue"));
        var technician = await TestTechnicians.CreateAsync(fixture, "constructor");
        fixture.Twilio.Phone(technician.PhoneNumber, CalledParty.Pressing("1")).Phone(premier.Phone, CalledParty.Talking(TimeSpan.FromMinutes(5)));

        Task<int> Queue() => InScopeAsync<QueueDispatcher, int>(d => d.DispatchOnceAsync(default));
        Task<int> Callbacks() => InScopeAsync<CallbackDispatcher, int>(d => d.DispatchOnceAsync(default));
        int queued, dialled;
        if (queueFirst) (queued, dialled) = (await Queue(), await Callbacks());
        else
        {
            var both = await Task.WhenAll(Task.Run(Queue), Task.Run(Callbacks));
            (queued, dialled) = (both[0], both[1]);
        }

        Assert.Equal(0, queued);
        Assert.Equal(1, dialled);
        Assert.Equal($"cb-{callback:N}", await fixture.ScalarAsync<string>("select reserved_call_sid from technicians where id = $1", technician.Id));
        Assert.Equal("waiting", await fixture.ScalarAsync<string>("select status from queue_entries where call_sid = $1", standard));
    }
}
