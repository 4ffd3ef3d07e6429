using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using PhoneSupport.Emulators.Twilio;
using PhoneSupport.Features.Billing;
using PhoneSupport.Tests.Infrastructure;

namespace PhoneSupport.Tests.Billing;

/// <summary>Calls that end in billable incidents, and the outbox driven by hand until Stripe has everything.</summary>
public static class Billed
{
    public static readonly DateTimeZone NewYork = DateTimeZoneProviders.Tzdb["America/New_York"];

    public static string NewCustomer() => "cus_T" + TestAccounts.UniqueDigits(12);

    /// <summary>A dedicated-contract call at <paramref name="at"/> (New York time) that talks <paramref name="talk"/>.</summary>
    public static async Task<(TestAccounts.Created Account, string CallSid, string Customer)> ContractCallAsync(
        ServiceFixture fixture, LocalDateTime at, int usedIncluded, TimeSpan talk, bool withCustomer = true)
    {
        var instant = NewYork.AtStrictly(at).ToInstant();
        fixture.Clock.Set(instant);
        await TestTechnicians.OfflineAllAsync(fixture);
        await TestTechnicians.CreateAsync(fixture, "constellix", onCall: new Interval(instant - Duration.FromHours(2), instant + Duration.FromHours(8)));
        var customer = NewCustomer();
        var account = await TestAccounts.CreateAsync(fixture, "constellix", "Corporate", new LocalDate(2026, 1, 15), stripeCustomer: withCustomer ? customer : null);
        if (usedIncluded > 0)
            await TestAccounts.UseIncludedAsync(fixture, account.ContractId!.Value, NewYork.AtStartOfDay(new LocalDate(2026, 1, 15)).ToInstant(), usedIncluded);
        var (result, _) = await SimulatedCalls.CallAsync(fixture, "+17038803095", "+1555999" + TestAccounts.UniqueDigits(4),
            ScriptedCaller.Keys("2", account.ContractNumber + "#", "1"), TechnicianScript.Accepting(talk));
        return (account, result.CallSid, customer);
    }

    /// <summary>Runs the outbox (as a worker on any instance would) until no job is due, stepping the clock past each backoff.</summary>
    public static async Task<int> PostAllAsync(ServiceFixture fixture, int maxPasses = 30)
    {
        var passes = 0;
        for (; passes < maxPasses; passes++)
        {
            using (var scope = fixture.Factory.Services.CreateScope())
                await scope.ServiceProvider.GetRequiredService<BillingOutbox>().RunOnceAsync(CancellationToken.None);
            await fixture.Stripe.WaitForDeliveriesAsync();
            if (await fixture.ScalarAsync<long>("select count(*) from billing_outbox where status = 'pending'") == 0) break;
            fixture.Clock.Advance(Duration.FromHours(2));
        }
        return passes;
    }

    public static Task<Guid> ChargeIdAsync(ServiceFixture fixture, string callSid, string kind) =>
        fixture.ScalarAsync<Guid>("select c.id from charges c join incidents i on i.id = c.incident_id where i.call_sid = $1 and c.kind = $2", callSid, kind);
}
