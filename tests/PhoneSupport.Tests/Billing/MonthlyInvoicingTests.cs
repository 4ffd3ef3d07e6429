using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using PhoneSupport.Emulators.Twilio;
using PhoneSupport.Features.Billing;
using PhoneSupport.Tests.Infrastructure;

namespace PhoneSupport.Tests.Billing;

/// <summary>
/// A plan that chooses monthly invoicing (the policy file says <c>invoicing: monthly</c>): charges go to Stripe as pending
/// invoice items as incidents close, and after each calendar month (New York time) one invoice per customer carries
/// exactly that month's items — scheduled once however many instances run the outbox.
/// </summary>
[Collection(ServiceHostCollection.Name)]
public sealed class MonthlyInvoicingTests(ServiceFixture fixture) : IDisposable
{
    private readonly Instant _restore = fixture.Clock.GetCurrentInstant();
    private readonly string _flows = MonthlyFlows();

    public void Dispose()
    {
        fixture.Clock.Set(_restore);
        Directory.Delete(_flows, recursive: true);
    }

    private static string MonthlyFlows()
    {
        var folder = Directory.CreateTempSubdirectory("flows-monthly-").FullName;
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "ivr-flows")))
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        var policy = Path.Combine(folder, "constellix.policy.yaml");
        File.WriteAllText(policy, File.ReadAllText(policy).Replace("  Corporate:\n", "  Corporate:\n    invoicing: monthly\n", StringComparison.Ordinal));
        return folder;
    }

    private async Task NightCallAsync(WebApplicationFactory<Program> host, TestAccounts.Created account, LocalDateTime at, int minutes)
    {
        var instant = Billed.NewYork.AtStrictly(at).ToInstant();
        fixture.Clock.Set(instant);
        await TestTechnicians.OfflineAllAsync(fixture);
        await TestTechnicians.CreateAsync(fixture, "constellix", onCall: new Interval(instant - Duration.FromHours(2), instant + Duration.FromHours(8)));
        await SimulatedCalls.CallAsync(fixture, "+17038803095", "+1555999" + TestAccounts.UniqueDigits(4),
            ScriptedCaller.Keys("2", account.ContractNumber + "#", "1"), TechnicianScript.Accepting(TimeSpan.FromMinutes(minutes)), host.CreateClient());
    }

    private static async Task RunOutboxAsync(WebApplicationFactory<Program> host)
    {
        using var scope = host.Services.CreateScope();
        await scope.ServiceProvider.GetRequiredService<BillingOutbox>().RunOnceAsync(CancellationToken.None);
    }

    [Fact]
    public async Task ChargesBecomeItemsAsIncidentsClose_AndEachFinishedMonthIsOneInvoicePerCustomer()
    {
        await using var host = fixture.CreateFactory("Development", fixture.ConnectionString, new Dictionary<string, string?> { ["PhoneSupport:FlowsPath"] = _flows });
        await using var second = fixture.CreateFactory("Development", fixture.ConnectionString, new Dictionary<string, string?> { ["PhoneSupport:FlowsPath"] = _flows });
        var customer = Billed.NewCustomer();
        fixture.Clock.Set(Instant.FromUtc(2026, 8, 1, 12, 0));
        var account = await TestAccounts.CreateAsync(fixture, "constellix", "Corporate", new LocalDate(2026, 1, 15), stripeCustomer: customer);
        await TestAccounts.UseIncludedAsync(fixture, account.ContractId!.Value, Billed.NewYork.AtStartOfDay(new LocalDate(2026, 1, 15)).ToInstant(), 2);

        await NightCallAsync(host, account, new LocalDateTime(2026, 8, 5, 22, 0), 40);   // $120
        await NightCallAsync(host, account, new LocalDateTime(2026, 8, 31, 23, 0), 70);  // $180, 1 September in UTC, August in New York
        await RunOutboxAsync(host);

        Assert.Equal(2, fixture.Stripe.InvoiceItems.Count(i => i.Customer == customer && i.Invoice is null));
        Assert.DoesNotContain(fixture.Stripe.Invoices, i => i.Customer == customer);
        Assert.Equal(2L, await fixture.ScalarAsync<long>("select count(*) from charges where account_id = $1 and status = 'posted' and invoicing = 'monthly'", account.AccountId));

        // September 10th: August is over. Two instances schedule it at once: one month job.
        fixture.Clock.Set(Billed.NewYork.AtStrictly(new LocalDateTime(2026, 9, 10, 9, 0)).ToInstant());
        await Task.WhenAll(RunOutboxAsync(host), RunOutboxAsync(second));
        await Billed.PostAllAsync(fixture);

        var august = Assert.Single(fixture.Stripe.Invoices, i => i.Customer == customer);
        Assert.Equal("2026-08", august.Metadata["period"]);
        Assert.Equal("paid", august.Status);
        Assert.Equal(30000L, august.AmountPaid);
        Assert.Equal(2, fixture.Stripe.InvoiceItems.Count(i => i.Invoice == august.Id));
        Assert.Equal(1L, await fixture.ScalarAsync<long>("select count(*) from billing_outbox where kind = 'month' and stripe_customer_id = $1", customer));

        await NightCallAsync(host, account, new LocalDateTime(2026, 9, 15, 22, 0), 20);  // $60, September: not invoiced yet
        await RunOutboxAsync(host);
        Assert.Equal(1L, await fixture.ScalarAsync<long>("select count(*) from charges where account_id = $1 and status = 'posted'", account.AccountId));

        fixture.Clock.Set(Billed.NewYork.AtStrictly(new LocalDateTime(2026, 10, 1, 9, 0)).ToInstant());
        await RunOutboxAsync(host);
        await Billed.PostAllAsync(fixture);
        var september = Assert.Single(fixture.Stripe.Invoices, i => i.Customer == customer && i.Metadata.GetValueOrDefault("period") == "2026-09");
        Assert.Equal(6000L, september.AmountPaid);
        Assert.Equal(0L, await fixture.ScalarAsync<long>("select count(*) from charges where account_id = $1 and status <> 'paid'", account.AccountId));
    }
}
