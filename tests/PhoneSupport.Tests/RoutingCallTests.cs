using NodaTime;
using PhoneSupport.Emulators.Twilio;
using PhoneSupport.Tests.Infrastructure;

namespace PhoneSupport.Tests;

/// <summary>Calls routed to technicians: reservation, whisper, accept, decline, no technician → callback.</summary>
[Collection(ServiceHostCollection.Name)]
public sealed class RoutingCallTests(ServiceFixture fixture) : IDisposable
{
    private static readonly DateTimeZone NewYork = DateTimeZoneProviders.Tzdb["America/New_York"];
    private readonly Instant _restore = fixture.Clock.GetCurrentInstant();

    public void Dispose() => fixture.Clock.Set(_restore);

    private Task<(CallResult Result, string Said)> CallAsync(string from, ScriptedCaller caller, TechnicianScript technicians) =>
        SimulatedCalls.CallAsync(fixture, "+17038803095", from, caller, technicians);

    [Fact]
    public async Task BusinessHours_ContractCall_RingsATechnicianWhoHearsTheWhisperAndAccepts()
    {
        fixture.Clock.Set(NewYork.AtStrictly(new LocalDateTime(2026, 7, 8, 11, 0)).ToInstant());
        await TestTechnicians.OfflineAllAsync(fixture);
        var technician = await TestTechnicians.CreateAsync(fixture, "constellix");
        var account = await TestAccounts.CreateAsync(fixture, "constellix", "Corporate", new LocalDate(2026, 1, 15));

        var (result, _) = await CallAsync("+15559992001", ScriptedCaller.Keys("2", account.ContractNumber + "#"), TechnicianScript.Accepting(TimeSpan.FromMinutes(12)));

        var whisper = string.Join(" ", result.OfKind(TranscriptKind.Whisper).Select(e => e.Text));
        Assert.Contains($"Support call from {(await fixture.ScalarAsync<string>("select name from accounts where id = $1", account.AccountId))}", whisper);
        Assert.Contains("business window", whisper);
        Assert.Contains("Press 1 to accept", whisper);
        Assert.Single(result.OfKind(TranscriptKind.Bridged));
        Assert.Equal(technician.Id.ToString(), await fixture.ScalarAsync<string>("select data->>'technicianId' from call_events where call_sid = $1 and kind = 'connected'", result.CallSid));
        Assert.Equal("wrapUp", await fixture.ScalarAsync<string>("select status from technicians where id = $1", technician.Id));
        Assert.Equal(3L, await fixture.ScalarAsync<long>("select count(*) from technician_events where technician_id = $1 and kind in ('reserved', 'accepted', 'finished')", technician.Id));
    }

    [Fact]
    public async Task FirstTechnicianDeclines_TheNextOneTakesTheCall()
    {
        fixture.Clock.Set(NewYork.AtStrictly(new LocalDateTime(2026, 7, 8, 11, 0)).ToInstant());
        await TestTechnicians.OfflineAllAsync(fixture);
        var first = await TestTechnicians.CreateAsync(fixture, "constellix");
        var second = await TestTechnicians.CreateAsync(fixture, "constellix");
        // Idle longest is offered first: make the order certain (made in the same instant, they would tie).
        await fixture.ScalarAsync<int>("update technicians set status_since = status_since - interval '5 minutes' where id = $1 returning 1", first.Id);
        var account = await TestAccounts.CreateAsync(fixture, "constellix", "Corporate", new LocalDate(2026, 1, 15));

        var (result, _) = await CallAsync("+15559992002", ScriptedCaller.Keys("2", account.ContractNumber + "#"),
            new TechnicianScript(TechnicianAnswer.Decline, TechnicianAnswer.Accept(TimeSpan.FromMinutes(5))));

        Assert.Equal(2, result.OfKind(TranscriptKind.Dialing).Count());
        Assert.Equal("available", await fixture.ScalarAsync<string>("select status from technicians where id = $1", first.Id));
        Assert.Equal(second.Id.ToString(), await fixture.ScalarAsync<string>("select data->>'technicianId' from call_events where call_sid = $1 and kind = 'connected'", result.CallSid));
    }

    [Fact]
    public async Task NobodyAnswers_TheCallerConfirmsTheirNumberForACallbackDueInAnHour()
    {
        var start = NewYork.AtStrictly(new LocalDateTime(2026, 7, 8, 11, 0)).ToInstant();
        fixture.Clock.Set(start);
        await TestTechnicians.OfflineAllAsync(fixture);
        await TestTechnicians.CreateAsync(fixture, "constellix");
        var account = await TestAccounts.CreateAsync(fixture, "constellix", "Corporate", new LocalDate(2026, 1, 15));

        var (result, said) = await CallAsync("+15559992003", ScriptedCaller.Keys("2", account.ContractNumber + "#", "1"), TechnicianScript.NotAnswering());

        Assert.Contains("All our technicians are busy right now.", said);
        Assert.Contains("We can call you back at the number ending in 2 0 0 3. To use this number, press 1.", said);
        Assert.Contains("A technician will call you back at the number ending in 2 0 0 3 by Wednesday at 12:00.", said);
        Assert.Equal((start + Duration.FromHours(1)).ToDateTimeUtc(), await fixture.ScalarAsync<DateTime>("select due_at from callbacks where call_sid = $1", result.CallSid));
        Assert.Equal("+15559992003", await fixture.ScalarAsync<string>("select phone_number from callbacks where call_sid = $1", result.CallSid));
        Assert.True(await fixture.ScalarAsync<bool>("select coverage_only from callbacks where call_sid = $1", result.CallSid));
    }

    [Fact]
    public async Task CallbackAfterHours_KeyedNumber_IsNotDialledBeforeTheNextOpening()
    {
        fixture.Clock.Set(NewYork.AtStrictly(new LocalDateTime(2026, 7, 10, 20, 0)).ToInstant()); // Friday night
        var account = await TestAccounts.CreateAsync(fixture, "constellix", "Corporate");

        var (result, said) = await CallAsync(account.Phone, ScriptedCaller.Keys("3", "1", "1", "2", "2025550142#"), TechnicianScript.NotAnswering());

        Assert.Contains("Phone support is available Monday to Friday, 09:00 to 18:00.", said);
        Assert.Contains("by Monday at 10:00", said);
        Assert.Equal("+12025550142", await fixture.ScalarAsync<string>("select phone_number from callbacks where call_sid = $1", result.CallSid));
        Assert.Equal(NewYork.AtStrictly(new LocalDateTime(2026, 7, 13, 9, 0)).ToInstant().ToDateTimeUtc(),
            await fixture.ScalarAsync<DateTime>("select not_before from callbacks where call_sid = $1", result.CallSid));
    }

    [Fact]
    public async Task ParallelCalls_NeverReserveOneTechnicianTwice()
    {
        await TestTechnicians.OfflineAllAsync(fixture);
        var technicians = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => TestTechnicians.CreateAsync(fixture, "constellix")));
        var at = fixture.Clock.GetCurrentInstant();

        var results = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => Task.Run(async () =>
        {
            using var scope = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.CreateScope(fixture.Factory.Services);
            var router = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<PhoneSupport.Features.Routing.TechnicianRouter>(scope.ServiceProvider);
            return await router.ReserveAsync(new PhoneSupport.Features.Routing.ReservationRequest($"CA-race-{at.ToUnixTimeTicks()}-{i}", "constellix", null, null, false, []), default);
        })));

        var reserved = results.Where(r => r is not null).Select(r => r!.Id).ToList();
        Assert.Equal(3, reserved.Count);
        Assert.Equal(3, reserved.Distinct().Count());
        Assert.All(technicians, t => Assert.Contains(t.Id, reserved));
    }
}

/// <summary>Night routing for Premier severity 1: the account's TAM first, then the on-call rota, never the off-duty.</summary>
[Collection(ServiceHostCollection.Name)]
public sealed class NightRoutingTests(ServiceFixture fixture) : IDisposable
{
    private static readonly DateTimeZone Zurich = DateTimeZoneProviders.Tzdb["Europe/Zurich"];
    private readonly Instant _restore = fixture.Clock.GetCurrentInstant();

    public void Dispose() => fixture.Clock.Set(_restore);

    [Fact]
    public async Task PremierSeverity1AtNight_RingsTheTamFirst_ThenOnCall_NeverTheOffDuty()
    {
        var night = Zurich.AtStrictly(new LocalDateTime(2026, 7, 11, 2, 0)).ToInstant();
        fixture.Clock.Set(night);
        await TestTechnicians.OfflineAllAsync(fixture);
        var offDuty = await TestTechnicians.CreateAsync(fixture, "constructor");
        var onCall = await TestTechnicians.CreateAsync(fixture, "constructor", onCall: new Interval(night - Duration.FromHours(4), night + Duration.FromHours(6)));
        var tam = await TestTechnicians.CreateAsync(fixture, "constructor");
        var account = await TestAccounts.CreateAsync(fixture, "constructor", "Premier");
        await fixture.ScalarAsync<int>("update accounts set tam_technician_id = $1 where id = $2 returning 1", tam.Id, account.AccountId);
        var driver = new CallDriver(fixture.Factory.CreateClient(), new CallDriverOptions
        {
            VoiceUrl = ServiceFixture.PublicBaseUrl + "/twilio/voice",
            AuthToken = ServiceFixture.AuthToken,
            AccountSid = ServiceFixture.AccountSid,
            From = "+41445557001",
            To = "+41525550100",
            Caller = ScriptedCaller.Keys("1", account.AccountNumber + "#", "1"),
            Technician = new TechnicianScript(TechnicianAnswer.Decline, TechnicianAnswer.Accept(TimeSpan.FromMinutes(20))),
        });

        var result = await driver.RunAsync();

        var dialled = result.OfKind(TranscriptKind.Dialing).Select(e => e.Text).ToList();
        Assert.Equal(2, dialled.Count);
        Assert.Contains(tam.PhoneNumber, dialled[0]);
        Assert.Contains(onCall.PhoneNumber, dialled[1]);
        Assert.DoesNotContain(dialled, d => d.Contains(offDuty.PhoneNumber, StringComparison.Ordinal));
        Assert.Equal(onCall.Id.ToString(), await fixture.ScalarAsync<string>("select data->>'technicianId' from call_events where call_sid = $1 and kind = 'connected'", result.CallSid));
    }
}
