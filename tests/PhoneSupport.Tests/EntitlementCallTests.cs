using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using PhoneSupport.Emulators.Twilio;
using PhoneSupport.Features.Entitlements;
using PhoneSupport.Tests.Infrastructure;

namespace PhoneSupport.Tests;

/// <summary>Simulated calls that hear the entitlement engine's decisions with their exact facts (issue "Done when").</summary>
[Collection(ServiceHostCollection.Name)]
public sealed class EntitlementCallTests(ServiceFixture fixture) : IDisposable
{
    private static readonly DateTimeZone NewYork = DateTimeZoneProviders.Tzdb["America/New_York"];
    private static readonly DateTimeZone Zurich = DateTimeZoneProviders.Tzdb["Europe/Zurich"];
    private readonly Instant _restore = fixture.Clock.GetCurrentInstant();

    public void Dispose() => fixture.Clock.Set(_restore);

    private void At(DateTimeZone zone, int year, int month, int day, int hour, int minute = 0) =>
        fixture.Clock.Set(zone.AtStrictly(new LocalDateTime(year, month, day, hour, minute)).ToInstant());

    private Task<(CallResult Result, string Said)> CallAsync(string to, string from, ScriptedCaller caller) =>
        SimulatedCalls.CallAsync(fixture, to, from, caller);

    [Fact]
    public async Task CorporateContract_SaturdayNight_HearsTheIncludedIncidentAndItsOverrunPrice()
    {
        var account = await TestAccounts.CreateAsync(fixture, "constellix", "Corporate", new LocalDate(2026, 1, 15));
        At(NewYork, 2026, 7, 11, 23);

        var (result, said) = await CallAsync("+17038803095", "+15559991001", ScriptedCaller.Keys("2", account.ContractNumber + "#", "1"));

        Assert.Contains("You have 2 of your 2 included after-hours incidents left this contract year. This call uses one of them, up to 2 hours; beyond that, 120 dollars per hour in half-hour steps. Press 1 to continue.", said);
        var sid = result.CallSid;
        Assert.Equal("liveRouteUsingIncluded", await fixture.ScalarAsync<string>("select entitlement->>'decision' from calls where call_sid = $1", sid));
        Assert.Equal("weekend", await fixture.ScalarAsync<string>("select entitlement->>'window' from calls where call_sid = $1", sid));
        Assert.Equal("liveRouteUsingIncluded", await fixture.ScalarAsync<string>("select data->>'decision' from call_events where call_sid = $1 and kind = 'consent'", sid));
        Assert.Equal(1L, await fixture.ScalarAsync<long>("select count(*) from call_events where call_sid = $1 and kind = 'consent' and data->>'key' = '1'", sid));
        // Never connected (routing is not switched on yet): the claim went back when the call ended.
        Assert.Equal("released", await fixture.ScalarAsync<string>("select status from allowance_uses where call_sid = $1", sid));
    }

    [Fact]
    public async Task CorporateContract_NoneLeft_HearsThe120DollarPriceAndAccepts()
    {
        var account = await TestAccounts.CreateAsync(fixture, "constellix", "Corporate", new LocalDate(2026, 1, 15));
        await TestAccounts.UseIncludedAsync(fixture, account.ContractId!.Value, NewYork.AtStartOfDay(new LocalDate(2026, 1, 15)).ToInstant(), 2);
        At(NewYork, 2026, 7, 11, 23);

        var (result, said) = await CallAsync("+17038803095", "+15559991002", ScriptedCaller.Keys("2", account.ContractNumber + "#", "1"));

        Assert.Contains("This call is billed at 120 dollars per hour, or 260 dollars per hour on holidays, in half-hour steps. Press 1 to accept.", said);
        Assert.Equal("liveRouteWithPrice", await fixture.ScalarAsync<string>("select entitlement->>'decision' from calls where call_sid = $1", result.CallSid));
        Assert.Equal("120 dollars per hour", await fixture.ScalarAsync<string>("select data->>'price' from call_events where call_sid = $1 and kind = 'consent'", result.CallSid));
    }

    [Fact]
    public async Task CorporateContract_ObservedHolidayNoneLeft_Hears260()
    {
        var account = await TestAccounts.CreateAsync(fixture, "constellix", "Corporate", new LocalDate(2026, 1, 15));
        await TestAccounts.UseIncludedAsync(fixture, account.ContractId!.Value, NewYork.AtStartOfDay(new LocalDate(2026, 1, 15)).ToInstant(), 2);
        At(NewYork, 2026, 7, 3, 11); // Friday 3 July 2026: Independence Day observed (4 July is a Saturday)

        var (result, said) = await CallAsync("+17038803095", "+15559991003", ScriptedCaller.Keys("2", account.ContractNumber + "#", "2", "2"));

        Assert.Contains("This call is billed at 260 dollars per hour", said);
        Assert.Equal("holiday", await fixture.ScalarAsync<string>("select entitlement->>'window' from calls where call_sid = $1", result.CallSid));
        Assert.Contains("To be called back during business hours", said);
        Assert.Contains("support dot constellix dot com", said);
    }

    [Fact]
    public async Task SmallBusiness_BusinessHours_HearsThePurchaseOptions()
    {
        var account = await TestAccounts.CreateAsync(fixture, "constellix", "SmallBusiness");
        At(NewYork, 2026, 7, 8, 11);

        var (_, said) = await CallAsync("+17038803095", account.Phone, ScriptedCaller.Keys("3", "1", "2"));

        Assert.Contains("You can buy a phone incident, charged to the card on file after the call", said);
        Assert.Contains("For 30 minutes at 42 dollars and 50 cents, press 1. For 60 minutes at 85 dollars, press 2.", said);
    }

    [Fact]
    public async Task Premier_Severity1_At0200Zurich_IsALiveRouteWithA15MinuteTarget()
    {
        var account = await TestAccounts.CreateAsync(fixture, "constructor", "Premier");
        At(Zurich, 2026, 7, 11, 2);

        var (result, said) = await CallAsync("+41525550100", "+41445559901", ScriptedCaller.Keys("1", account.AccountNumber + "#", "1"));

        Assert.Contains("Our response target for severity 1 is 15 minutes. Connecting you with an engineer.", said);
        Assert.Equal("liveRoute", await fixture.ScalarAsync<string>("select entitlement->>'decision' from calls where call_sid = $1", result.CallSid));
        Assert.Equal("24x7", await fixture.ScalarAsync<string>("select entitlement->>'clock' from calls where call_sid = $1", result.CallSid));
    }

    [Fact]
    public async Task Standard_Severity3_Wednesday0200Zurich_IsACallbackDueWednesday2000()
    {
        var account = await TestAccounts.CreateAsync(fixture, "constructor", "Standard");
        At(Zurich, 2026, 7, 8, 2);

        var (result, said) = await CallAsync("+41525550100", "+41445559902", ScriptedCaller.Keys("1", account.AccountNumber + "#", "3"));

        Assert.Contains("For severity 3, an engineer will call you back by Wednesday at 20:00.", said);
        Assert.Equal("callback", await fixture.ScalarAsync<string>("select entitlement->>'decision' from calls where call_sid = $1", result.CallSid));
        Assert.Equal("2026-07-08T18:00:00Z", await fixture.ScalarAsync<string>("select entitlement->>'callbackDueAt' from calls where call_sid = $1", result.CallSid));
    }

    [Fact]
    public async Task Claims_FromManyParallelCalls_NeverExceedTheIncludedCount()
    {
        var account = await TestAccounts.CreateAsync(fixture, "constellix", "Corporate", new LocalDate(2026, 1, 15));
        await TestAccounts.UseIncludedAsync(fixture, account.ContractId!.Value, NewYork.AtStartOfDay(new LocalDate(2026, 1, 15)).ToInstant(), 1);
        var at = NewYork.AtStrictly(new LocalDateTime(2026, 7, 11, 23, 0)).ToInstant();

        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(async () =>
        {
            using var scope = fixture.Factory.Services.CreateScope();
            var ledger = scope.ServiceProvider.GetRequiredService<AllowanceLedger>();
            return await ledger.ClaimAsync(account.ContractId!.Value, $"CA-parallel-{account.ContractNumber}-{i}", at, at, default);
        })));

        Assert.Equal(1, results.Count(claimed => claimed));
        Assert.Equal(1L, await fixture.ScalarAsync<long>("select count(*) from allowance_uses where contract_id = $1 and status = 'claimed'", account.ContractId!.Value));
    }

    [Fact]
    public async Task Claim_RepeatedForOneCall_ClaimsOnce()
    {
        var account = await TestAccounts.CreateAsync(fixture, "constellix", "Corporate", new LocalDate(2026, 1, 15));
        var at = NewYork.AtStrictly(new LocalDateTime(2026, 7, 11, 23, 0)).ToInstant();
        using var scope = fixture.Factory.Services.CreateScope();
        var ledger = scope.ServiceProvider.GetRequiredService<AllowanceLedger>();

        Assert.True(await ledger.ClaimAsync(account.ContractId!.Value, "CA-twice-" + account.ContractNumber, at, at, default));
        Assert.True(await ledger.ClaimAsync(account.ContractId!.Value, "CA-twice-" + account.ContractNumber, at, at, default));

        Assert.Equal(1L, await fixture.ScalarAsync<long>("select count(*) from allowance_uses where contract_id = $1", account.ContractId!.Value));
    }

    [Fact]
    public async Task FiveWrongNumbersWithinAnHour_LockTheCallerOutButNotOthers()
    {
        const string caller = "+15559991777";
        await CallAsync("+17038803095", caller, ScriptedCaller.Keys("2", "11110001#", "11110002#", "11110003#"));
        await CallAsync("+17038803095", caller, ScriptedCaller.Keys("2", "11110004#", "11110005#", "2"));

        var (_, locked) = await CallAsync("+17038803095", caller, ScriptedCaller.Keys("2", "5550001#", "2"));
        var (_, other) = await CallAsync("+17038803095", "+15559991778", ScriptedCaller.Keys("2", "5550001#"));

        Assert.Contains("we can't take account or contract numbers from this phone for the next hour", locked);
        Assert.DoesNotContain("Acme Corporation", locked);
        Assert.Contains("for Acme Corporation", other);
    }
}
