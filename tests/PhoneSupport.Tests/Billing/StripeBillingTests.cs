using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using PhoneSupport.Emulators.Stripe;
using PhoneSupport.Tests.Infrastructure;

namespace PhoneSupport.Tests.Billing;

/// <summary>
/// The worked examples end to end: a call, its incident closed and priced, the charge posted to the Stripe emulator
/// over HTTP as exactly one invoice item on exactly one invoice — even when the first two posts fail — paid, and then
/// Stripe's signed events: a real one moves it, a replayed, stale or unsigned one changes nothing.
/// </summary>
[Collection(ServiceHostCollection.Name)]
public sealed class StripeBillingTests(ServiceFixture fixture) : IDisposable
{
    private readonly Instant _restore = fixture.Clock.GetCurrentInstant();

    public void Dispose()
    {
        fixture.Stripe.FailRandomly(0);
        fixture.Clock.Set(_restore);
    }

    private async Task AssertPostedOnceAsync(Guid chargeId, long amount, string customer)
    {
        var items = fixture.Stripe.InvoiceItems.Where(i => i.Metadata.GetValueOrDefault("charge_id") == chargeId.ToString()).ToList();
        var item = Assert.Single(items);
        Assert.Equal(amount, item.Amount);
        Assert.Equal(customer, item.Customer);
        var invoices = fixture.Stripe.Invoices.Where(i => i.Customer == customer).ToList();
        var invoice = Assert.Single(invoices);
        Assert.Equal(invoice.Id, item.Invoice);
        Assert.Equal("paid", invoice.Status);
        Assert.Equal("paid", await fixture.ScalarAsync<string>("select status from charges where id = $1", chargeId));
        Assert.Equal(invoice.Id, await fixture.ScalarAsync<string>("select stripe_invoice_id from charges where id = $1", chargeId));
        Assert.Equal(item.Id, await fixture.ScalarAsync<string>("select stripe_invoice_item_id from charges where id = $1", chargeId));
    }

    [Fact]
    public async Task IncludedIncidentOf2h40_Bills120_AsOneItemOnOneInvoice_EvenWhenTheFirstTwoPostsFail()
    {
        var (_, sid, customer) = await Billed.ContractCallAsync(fixture, new LocalDateTime(2026, 7, 11, 23, 0), 0, TimeSpan.FromMinutes(160));
        var charge = await Billed.ChargeIdAsync(fixture, sid, "beyondIncluded");
        Assert.Equal(12000L, await fixture.ScalarAsync<long>("select amount from charges where id = $1", charge));

        fixture.Stripe.FailNext(StripeEndpoint.CreateInvoiceItem, 500);               // refused before doing anything
        fixture.Stripe.FailAfterProcessingNext(StripeEndpoint.CreateInvoiceItem, 500); // done, but the answer was lost
        var passes = await Billed.PostAllAsync(fixture);

        Assert.True(passes >= 2, "the two failures each cost a pass");
        await AssertPostedOnceAsync(charge, 12000, customer);
        Assert.Equal(1L, await fixture.ScalarAsync<long>("select count(*) from billing_outbox where $1 = any(charge_ids) and status = 'done'", charge));
        Assert.True(await fixture.ScalarAsync<int>("select attempts from billing_outbox where $1 = any(charge_ids)", charge) >= 3);
    }

    [Fact]
    public async Task ThirdAfterHoursIncidentOf40Minutes_Bills120_Once_WhenTheInvoiceAndFinalizePostsFail()
    {
        var (_, sid, customer) = await Billed.ContractCallAsync(fixture, new LocalDateTime(2026, 7, 14, 22, 0), 2, TimeSpan.FromMinutes(40));
        var charge = await Billed.ChargeIdAsync(fixture, sid, "priced");

        fixture.Stripe.FailNext(StripeEndpoint.CreateInvoice, 503);
        fixture.Stripe.FailAfterProcessingNext(StripeEndpoint.FinalizeInvoice, 500);
        await Billed.PostAllAsync(fixture);

        await AssertPostedOnceAsync(charge, 12000, customer);
    }

    [Fact]
    public async Task HolidayIncident10MinutesBeyondTheAllowance_Bills130_Once_WhenPayingFailsTwice()
    {
        // 4 July 2026 is a Saturday: the holiday is observed on Friday 3 July.
        var (_, sid, customer) = await Billed.ContractCallAsync(fixture, new LocalDateTime(2026, 7, 3, 14, 0), 0, TimeSpan.FromMinutes(130));
        var charge = await Billed.ChargeIdAsync(fixture, sid, "beyondIncluded");
        Assert.Equal("holiday", await fixture.ScalarAsync<string>("select \"window\" from charges where id = $1", charge));

        fixture.Stripe.FailNext(StripeEndpoint.PayInvoice, 429);
        fixture.Stripe.FailAfterProcessingNext(StripeEndpoint.PayInvoice, 500);
        await Billed.PostAllAsync(fixture);

        await AssertPostedOnceAsync(charge, 13000, customer);
        var invoice = fixture.Stripe.FindInvoice(fixture.Stripe.InvoiceItems.Single(i => i.Metadata.GetValueOrDefault("charge_id") == charge.ToString()).Invoice!)!;
        Assert.Equal(1, invoice.AttemptCount); // the lost answer was replayed from its key, not paid again
        Assert.Equal(13000L, invoice.AmountPaid);
    }

    [Fact]
    public async Task AccountWithoutAStripeCustomer_KeepsItsChargePending_WithTheReason_AndNothingIsPosted()
    {
        var (_, sid, _) = await Billed.ContractCallAsync(fixture, new LocalDateTime(2026, 7, 15, 22, 0), 2, TimeSpan.FromMinutes(20), withCustomer: false);
        var charge = await Billed.ChargeIdAsync(fixture, sid, "priced");

        await Billed.PostAllAsync(fixture);

        Assert.Equal("pending", await fixture.ScalarAsync<string>("select status from charges where id = $1", charge));
        Assert.Equal("the account has no Stripe customer", await fixture.ScalarAsync<string>("select status_reason from charges where id = $1", charge));
        Assert.DoesNotContain(fixture.Stripe.InvoiceItems, i => i.Metadata.GetValueOrDefault("charge_id") == charge.ToString());
    }

    [Fact]
    public async Task SignedInvoicePaid_MarksAFailedChargePaid_WhileReplayedStaleUnsignedAndLaterEventsChangeNothing()
    {
        var (_, sid, customer) = await Billed.ContractCallAsync(fixture, new LocalDateTime(2026, 7, 16, 22, 0), 2, TimeSpan.FromMinutes(40));
        var charge = await Billed.ChargeIdAsync(fixture, sid, "priced");
        fixture.Stripe.DeclinePaymentsFor(customer, "insufficient_funds");
        await Billed.PostAllAsync(fixture);
        fixture.Stripe.AcceptPaymentsFor(customer);
        Assert.Equal("failed", await fixture.ScalarAsync<string>("select status from charges where id = $1", charge));
        Assert.Contains("insufficient_funds", await fixture.ScalarAsync<string>("select status_reason from charges where id = $1", charge));

        var invoiceId = await fixture.ScalarAsync<string>("select stripe_invoice_id from charges where id = $1", charge);
        var invoice = fixture.Stripe.FindInvoice(invoiceId!)!;
        var paidObject = JsonSerializer.Deserialize<Dictionary<string, object?>>(JsonSerializer.Serialize(new { id = invoice.Id, @object = "invoice", status = "paid", customer, number = invoice.Number }))!;
        var webhook = ServiceFixture.PublicBaseUrl + "/stripe/webhook";

        var unsigned = await fixture.Stripe.SendEventAsync(webhook, "invoice.paid", paidObject, new StripeEventSigning { Corrupt = true });
        var stale = await fixture.Stripe.SendEventAsync(webhook, "invoice.paid", paidObject,
            new StripeEventSigning { Timestamp = TimeProvider.System.GetUtcNow().AddMinutes(-10) });
        Assert.Equal(403, unsigned.Status);
        Assert.Equal(403, stale.Status);
        Assert.Equal("failed", await fixture.ScalarAsync<string>("select status from charges where id = $1", charge));

        var paid = await fixture.Stripe.SendEventAsync(webhook, "invoice.paid", paidObject);
        Assert.Equal(200, paid.Status);
        Assert.Equal("paid", await fixture.ScalarAsync<string>("select status from charges where id = $1", charge));
        var events = await fixture.ScalarAsync<long>("select count(*) from charge_events where charge_id = $1", charge);

        var replay = await fixture.Stripe.ResendAsync(paid);
        var failedLater = await fixture.Stripe.SendEventAsync(webhook, "invoice.payment_failed", paidObject);
        var finalizedLate = await fixture.Stripe.SendEventAsync(webhook, "invoice.finalized", paidObject);

        Assert.Equal(200, replay.Status);
        Assert.Contains("duplicate", replay.ResponseBody);
        Assert.Equal(200, failedLater.Status);
        Assert.Equal(200, finalizedLate.Status);
        Assert.Equal("paid", await fixture.ScalarAsync<string>("select status from charges where id = $1", charge));
        Assert.Equal(1L, await fixture.ScalarAsync<long>("select count(*) from stripe_events where id = $1", paid.EventId));
        Assert.Equal(events + 2, await fixture.ScalarAsync<long>("select count(*) from charge_events where charge_id = $1", charge)); // two "ignored" notes, no move
    }

    [Fact]
    public async Task ADeclinesReason_WinsWhenInvoicePaymentFailedArrivesBeforeTheOutboxHearsOfTheDecline()
    {
        // The order the flaky race above could take: Stripe's invoice.payment_failed first, the pay call's 402 after.
        var (_, sid, customer) = await Billed.ContractCallAsync(fixture, new LocalDateTime(2026, 7, 17, 22, 0), 2, TimeSpan.FromMinutes(40));
        var charge = await Billed.ChargeIdAsync(fixture, sid, "priced");
        fixture.Stripe.FailNext(StripeEndpoint.PayInvoice, 500);
        using (var scope = fixture.Factory.Services.CreateScope())
            await scope.ServiceProvider.GetRequiredService<PhoneSupport.Features.Billing.BillingOutbox>().RunOnceAsync(CancellationToken.None);
        await fixture.Stripe.WaitForDeliveriesAsync();
        Assert.Equal("invoiced", await fixture.ScalarAsync<string>("select status from charges where id = $1", charge));
        var invoice = fixture.Stripe.FindInvoice((await fixture.ScalarAsync<string>("select stripe_invoice_id from charges where id = $1", charge))!)!;

        var failed = await fixture.Stripe.SendEventAsync(ServiceFixture.PublicBaseUrl + "/stripe/webhook", "invoice.payment_failed", invoice);
        Assert.Equal(200, failed.Status);
        Assert.Equal("payment failed in Stripe", await fixture.ScalarAsync<string>("select status_reason from charges where id = $1", charge));
        fixture.Stripe.DeclinePaymentsFor(customer, "insufficient_funds");
        await Billed.PostAllAsync(fixture);
        fixture.Stripe.AcceptPaymentsFor(customer);

        Assert.Equal("failed", await fixture.ScalarAsync<string>("select status from charges where id = $1", charge));
        Assert.Equal("payment declined: insufficient_funds", await fixture.ScalarAsync<string>("select status_reason from charges where id = $1", charge));
    }
}
