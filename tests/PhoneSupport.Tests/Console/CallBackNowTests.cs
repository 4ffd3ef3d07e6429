using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using PhoneSupport.Emulators.Twilio;
using PhoneSupport.Features.Callbacks;
using PhoneSupport.Tests.Infrastructure;

namespace PhoneSupport.Tests.Console;

/// <summary>"Call back now": one chosen callback with one chosen technician, through the dispatcher's lease; never dialled twice, only inside its window.</summary>
[Collection(ServiceHostCollection.Name)]
public sealed class CallBackNowTests(ServiceFixture fixture) : IDisposable
{
    private static readonly DateTimeZone NewYork = DateTimeZoneProviders.Tzdb["America/New_York"];
    private readonly Instant _restore = fixture.Clock.GetCurrentInstant();

    public void Dispose() => fixture.Clock.Set(_restore);

    private void At(int day, int hour, int minute = 0) =>
        fixture.Clock.Set(NewYork.AtStrictly(new LocalDateTime(2026, 7, day, hour, minute)).ToInstant());

    private async Task<Guid> PromiseCallbackAsync()
    {
        await TestTechnicians.OfflineAllAsync(fixture);
        await fixture.ScalarAsync<int>("with c as (update callbacks set status = 'cancelled' where status in ('scheduled', 'dialing') returning 1) select count(*)::int from c");
        var account = await TestAccounts.CreateAsync(fixture, "constellix", "Corporate");
        var (result, said) = await SimulatedCalls.CallAsync(fixture, "+17038803095", account.Phone, ScriptedCaller.Keys("3", "1", "1"));
        Assert.Contains("A technician will call you back", said, StringComparison.Ordinal);
        return await fixture.ScalarAsync<Guid>("select id from callbacks where call_sid = $1", result.CallSid);
    }

    private async Task<ChosenDispatch> CallBackNowAsync(Guid callback, Guid technician)
    {
        using var scope = fixture.Factory.Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<CallbackDispatcher>().DispatchChosenAsync(callback, technician, default);
    }

    private int LegsOf(Guid callback) => fixture.Twilio.Calls.Count(c => c.Url?.Contains($"cb={callback:N}", StringComparison.Ordinal) == true);

    [Fact]
    public async Task ChosenCallback_DialsTheChosenTechnicianFirst()
    {
        At(8, 11);
        var callback = await PromiseCallbackAsync();
        var other = await TestTechnicians.CreateAsync(fixture, "constellix");
        var chosen = await TestTechnicians.CreateAsync(fixture, "constellix");

        Assert.Equal(ChosenDispatch.Dialling, await CallBackNowAsync(callback, chosen.Id));

        var leg = Assert.Single(fixture.Twilio.Calls, c => c.Url?.Contains($"cb={callback:N}", StringComparison.Ordinal) == true);
        Assert.Equal(chosen.PhoneNumber, leg.To);
        Assert.Equal("dialing", await fixture.ScalarAsync<string>("select status from callbacks where id = $1", callback));
        Assert.Equal(chosen.Id, await fixture.ScalarAsync<Guid>("select technician_id from callbacks where id = $1", callback));
        Assert.Equal("available", await fixture.ScalarAsync<string>("select status from technicians where id = $1", other.Id));
        Assert.Equal(1, await fixture.ScalarAsync<int>("select attempts from callbacks where id = $1", callback));
    }

    [Fact]
    public async Task ManyClicksAndTheDispatcherAtOnce_DialTheCallbackOnce()
    {
        At(8, 11);
        var callback = await PromiseCallbackAsync();
        var technicians = new[] { await TestTechnicians.CreateAsync(fixture, "constellix"), await TestTechnicians.CreateAsync(fixture, "constellix"), await TestTechnicians.CreateAsync(fixture, "constellix") };

        var clicks = technicians.Select(t => CallBackNowAsync(callback, t.Id)).ToList();
        var dispatcher = Task.Run(async () =>
        {
            using var scope = fixture.Factory.Services.CreateScope();
            return await scope.ServiceProvider.GetRequiredService<CallbackDispatcher>().DispatchOnceAsync(default);
        });
        var outcomes = await Task.WhenAll(clicks);
        var dispatched = await dispatcher;

        Assert.Equal(1, LegsOf(callback));
        Assert.Equal(1, outcomes.Count(o => o == ChosenDispatch.Dialling) + dispatched);
        Assert.All(outcomes.Where(o => o != ChosenDispatch.Dialling), o => Assert.Equal(ChosenDispatch.NotScheduled, o));
        Assert.Equal(1L, await fixture.ScalarAsync<long>("select count(*) from technicians where status = 'reserved' and reserved_call_sid = $1", $"cb-{callback:N}"));
    }

    [Fact]
    public async Task BusinessHoursPromise_IsNotDialledAtNight_EvenOnRequest()
    {
        At(8, 17, 50);
        var callback = await PromiseCallbackAsync();
        var technician = await TestTechnicians.CreateAsync(fixture, "constellix", onCall: new Interval(fixture.Clock.GetCurrentInstant(), fixture.Clock.GetCurrentInstant() + Duration.FromDays(1)));
        At(8, 22);

        Assert.Equal(ChosenDispatch.OutsideWindow, await CallBackNowAsync(callback, technician.Id));
        Assert.Equal(0, LegsOf(callback));
        Assert.Equal("scheduled", await fixture.ScalarAsync<string>("select status from callbacks where id = $1", callback));
    }

    [Fact]
    public async Task ATechnicianOnACall_IsNotTaken_AndTheCallbackWaitsAsItWas()
    {
        At(8, 11);
        var callback = await PromiseCallbackAsync();
        var busy = await TestTechnicians.CreateAsync(fixture, "constellix");
        await fixture.ScalarAsync<int>("with t as (update technicians set status = 'busy', reserved_call_sid = 'CAbusy' || id::text where id = $1 returning 1) select count(*)::int from t", busy.Id);
        var before = await fixture.ScalarAsync<DateTime>("select next_attempt_at from callbacks where id = $1", callback);

        Assert.Equal(ChosenDispatch.TechnicianNotAvailable, await CallBackNowAsync(callback, busy.Id));

        Assert.Equal(0, LegsOf(callback));
        Assert.Equal("scheduled", await fixture.ScalarAsync<string>("select status from callbacks where id = $1", callback));
        Assert.Equal(0, await fixture.ScalarAsync<int>("select attempts from callbacks where id = $1", callback));
        Assert.Equal(before, await fixture.ScalarAsync<DateTime>("select next_attempt_at from callbacks where id = $1", callback));
    }
}
