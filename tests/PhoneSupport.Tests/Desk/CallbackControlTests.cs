using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using PhoneSupport.Data;
using PhoneSupport.Emulators.Twilio;
using PhoneSupport.Emulators.Twilio.Rest;
using PhoneSupport.Features.Callbacks;
using PhoneSupport.Tests.Admin;
using PhoneSupport.Tests.Infrastructure;

namespace PhoneSupport.Tests.Desk;

/// <summary>Issue 12, item 2: callbacks cancelled (never dialled afterwards, even once leased), rescheduled inside the promise's window, assigned.</summary>
[Collection(ServiceHostCollection.Name)]
public sealed class CallbackControlTests(ServiceFixture fixture) : IAsyncLifetime
{
    private static readonly DateTimeZone NewYork = DateTimeZoneProviders.Tzdb["America/New_York"];
    private readonly AdminApi _api = new(fixture);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _api.DisposeAsync();

    private void At(int day, int hour, int minute = 0) =>
        fixture.Clock.Set(NewYork.AtStrictly(new LocalDateTime(2026, 7, day, hour, minute)).ToInstant());

    /// <summary>
    /// A business-hours Constellix call that finds no technician and leaves a callback due in an hour (the only open one);
    /// every technician is offline until the test adds its own.
    /// </summary>
    private async Task<Guid> PromiseAsync()
    {
        await TestTechnicians.OfflineAllAsync(fixture);
        await fixture.ScalarAsync<int>("with c as (update callbacks set status = 'cancelled' where status in ('scheduled', 'dialing') returning 1) select count(*)::int from c");
        var account = await TestAccounts.CreateAsync(fixture, "constellix", "Corporate");
        var driver = new CallDriver(fixture.Factory.CreateClient(), new CallDriverOptions
        {
            VoiceUrl = ServiceFixture.PublicBaseUrl + "/twilio/voice",
            AuthToken = ServiceFixture.AuthToken,
            AccountSid = ServiceFixture.AccountSid,
            From = account.Phone,
            To = "+17038803095",
            Caller = ScriptedCaller.Keys("3", "1", "1"),
        });
        var result = await driver.RunAsync();
        return await fixture.ScalarAsync<Guid>("select id from callbacks where call_sid = $1", result.CallSid);
    }

    private async Task<T> DispatcherAsync<T>(Func<CallbackDispatcher, Task<T>> run)
    {
        using var scope = fixture.Factory.Services.CreateScope();
        return await run(scope.ServiceProvider.GetRequiredService<CallbackDispatcher>());
    }

    [Fact]
    public async Task LeasedCallback_CancelledBeforeItsDial_IsNeverDialled()
    {
        At(8, 11);
        var id = await PromiseAsync();
        var technician = await TestTechnicians.CreateAsync(fixture, "constellix");
        fixture.Twilio.Phone(technician.PhoneNumber, CalledParty.Pressing("1"));
        using var scope = fixture.Factory.Services.CreateScope();
        var dispatcher = scope.ServiceProvider.GetRequiredService<CallbackDispatcher>();
        Assert.Equal(id, await dispatcher.LeaseNextAsync(default));

        var cancelled = await AdminApi.ExpectAsync(await _api.Admin.PostAsJsonAsync($"/api/callbacks/{id}/cancel", new { reason = "Customer solved it" }), HttpStatusCode.OK);
        var dialled = await dispatcher.DialLeasedAsync(id, default);

        Assert.Equal("cancelled", (string)cancelled["status"]!);
        Assert.False(dialled);
        Assert.Equal(0, await DispatcherAsync(d => d.DispatchOnceAsync(default)));
        Assert.DoesNotContain(fixture.Twilio.Calls, c => c.To == technician.PhoneNumber);
        Assert.Equal("cancelled", await fixture.ScalarAsync<string>("select status from callbacks where id = $1", id));
        Assert.Equal("available", await fixture.ScalarAsync<string>("select status from technicians where id = $1", technician.Id));
        var audit = Assert.Single(await DeskApi.AuditAsync(_api.Admin, "callback", id.ToString()));
        Assert.Equal("cancelled", (string)audit["action"]!);
        Assert.Equal("dialing", (string)audit["before"]!["status"]!);
        Assert.Equal("Customer solved it", (string)audit["after"]!["cancelReason"]!);
    }

    [Fact]
    public async Task CancelArrivingAfterTheDispatcherReadTheCallback_MakesItsDialIntentFail()
    {
        At(8, 11, 5);
        var id = await PromiseAsync();
        using var scope = fixture.Factory.Services.CreateScope();
        var dispatcher = scope.ServiceProvider.GetRequiredService<CallbackDispatcher>();
        Assert.Equal(id, await dispatcher.LeaseNextAsync(default));
        var db = scope.ServiceProvider.GetRequiredService<PhoneSupportDb>();
        var read = await db.Callbacks.FirstAsync(c => c.Id == id); // what the dispatcher holds between its read and its dial intent

        await AdminApi.ExpectAsync(await _api.Admin.PostAsJsonAsync($"/api/callbacks/{id}/cancel", new { reason = "Duplicate" }), HttpStatusCode.OK);
        read.DialIntended(Guid.CreateVersion7(), "+15550001111", fixture.Clock.GetCurrentInstant());

        await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => db.SaveChangesAsync());
        Assert.Null(await fixture.ScalarAsync<DateTime?>("select dial_started_at from callbacks where id = $1", id));
    }

    [Fact]
    public async Task CallbackWhoseTechnicianIsRinging_CannotBeCancelled()
    {
        At(8, 11, 10);
        var id = await PromiseAsync();
        var technician = await TestTechnicians.CreateAsync(fixture, "constellix");
        fixture.Twilio.Phone(technician.PhoneNumber, CalledParty.Pressing("1"));
        Assert.Equal(1, await DispatcherAsync(d => d.DispatchOnceAsync(default)));

        var refused = await AdminApi.ProblemAsync(await _api.Admin.PostAsJsonAsync($"/api/callbacks/{id}/cancel", new { reason = "Too late" }), HttpStatusCode.Conflict);

        Assert.Contains("ringing", AdminApi.Errors(refused, "status"));
        Assert.Equal("dialing", await fixture.ScalarAsync<string>("select status from callbacks where id = $1", id));
        Assert.Empty(await DeskApi.AuditAsync(_api.Admin, "callback", id.ToString()));
        Assert.Contains("Required", AdminApi.Errors(await AdminApi.ProblemAsync(
            await _api.Admin.PostAsJsonAsync($"/api/callbacks/{id}/cancel", new { reason = " " }), HttpStatusCode.BadRequest), "reason"));
        await fixture.ScalarAsync<int>("update callbacks set status = 'cancelled' where id = $1 returning 1", id);
    }

    [Fact]
    public async Task Reschedule_StaysInsideThePromisesWindow_AndMovesTheNextAttempt()
    {
        At(8, 11, 15);
        var id = await PromiseAsync();
        var night = NewYork.AtStrictly(new LocalDateTime(2026, 7, 8, 21, 0)).ToInstant();
        var tomorrow = NewYork.AtStrictly(new LocalDateTime(2026, 7, 9, 15, 0)).ToInstant();

        var refused = await AdminApi.ProblemAsync(await _api.Admin.PostAsJsonAsync($"/api/callbacks/{id}/reschedule", new { dueAt = night.ToString() }), HttpStatusCode.BadRequest);
        Assert.Contains("night", AdminApi.Errors(refused, "dueAt"));
        await AdminApi.ProblemAsync(await _api.Admin.PostAsJsonAsync($"/api/callbacks/{id}/reschedule", new { dueAt = "2026-07-08T10:00:00Z" }), HttpStatusCode.BadRequest);
        var moved = await AdminApi.ExpectAsync(await _api.Admin.PostAsJsonAsync($"/api/callbacks/{id}/reschedule", new { dueAt = tomorrow.ToString() }), HttpStatusCode.OK);

        Assert.Equal(tomorrow.ToString(), (string)moved["dueAt"]!);
        Assert.Equal((tomorrow - Duration.FromHours(1)).ToString(), (string)moved["notBefore"]!); // the promise's slack kept
        Assert.Equal(0, await DispatcherAsync(d => d.DispatchOnceAsync(default))); // not before its new time
        var audit = Assert.Single(await DeskApi.AuditAsync(_api.Admin, "callback", id.ToString()));
        Assert.Equal("rescheduled", (string)audit["action"]!);
        Assert.Equal(tomorrow.ToString(), (string)audit["after"]!["dueAt"]!);
        await fixture.ScalarAsync<int>("update callbacks set status = 'cancelled' where id = $1 returning 1", id);
    }

    [Fact]
    public async Task AssignedCallback_RingsOnlyThatTechnician()
    {
        At(8, 11, 20);
        var id = await PromiseAsync();
        var first = await TestTechnicians.CreateAsync(fixture, "constellix");
        var chosen = await TestTechnicians.CreateAsync(fixture, "constellix");
        fixture.Twilio.Phone(first.PhoneNumber, CalledParty.Pressing("1")).Phone(chosen.PhoneNumber, CalledParty.Pressing("1"));
        await fixture.ScalarAsync<int>("update technicians set status_since = status_since + interval '1 minute' where id = $1 returning 1", chosen.Id); // idle shorter

        var assigned = await AdminApi.ExpectAsync(await _api.Admin.PostAsJsonAsync($"/api/callbacks/{id}/assign", new { technicianId = chosen.Id.ToString() }), HttpStatusCode.OK);
        Assert.Equal(chosen.Id.ToString(), (string)assigned["assignedTechnicianId"]!);
        Assert.Equal(1, await DispatcherAsync(d => d.DispatchOnceAsync(default)));

        Assert.Contains(fixture.Twilio.Calls, c => c.To == chosen.PhoneNumber);
        Assert.DoesNotContain(fixture.Twilio.Calls, c => c.To == first.PhoneNumber);
        Assert.Equal("assigned", (string)Assert.Single(await DeskApi.AuditAsync(_api.Admin, "callback", id.ToString()))["action"]!);
        var nobody = await AdminApi.ProblemAsync(await _api.Admin.PostAsJsonAsync($"/api/callbacks/{id}/assign", new { technicianId = Guid.NewGuid().ToString() }), HttpStatusCode.BadRequest);
        Assert.Contains("No active technician", AdminApi.Errors(nobody, "technicianId"));
        await fixture.ScalarAsync<int>("update callbacks set status = 'cancelled' where id = $1 returning 1", id);
    }
}
