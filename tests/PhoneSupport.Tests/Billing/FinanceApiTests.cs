using System.Net;
using System.Net.Http.Json;
using NodaTime;
using PhoneSupport.Emulators.Stripe;
using PhoneSupport.Tests.Admin;
using PhoneSupport.Tests.Infrastructure;

namespace PhoneSupport.Tests.Billing;

/// <summary>Finance lists, totals, exports and waives charges through the API; every charge links to its calls and consent.</summary>
[Collection(ServiceHostCollection.Name)]
public sealed class FinanceApiTests(ServiceFixture fixture) : IDisposable
{
    private readonly Instant _restore = fixture.Clock.GetCurrentInstant();

    public void Dispose() => fixture.Clock.Set(_restore);

    [Fact]
    public async Task Charges_ListWithFilters_AndEachLinksItsIncidentCallsAndConsent()
    {
        var (account, sid, customer) = await Billed.ContractCallAsync(fixture, new LocalDateTime(2026, 8, 4, 22, 0), 2, TimeSpan.FromMinutes(40));
        await Billed.PostAllAsync(fixture);
        await using var api = new AdminApi(fixture);
        var (financeKey, _) = await api.CreateKeyAsync("finance");
        var finance = api.Client(financeKey);

        var list = await AdminApi.ExpectAsync(await finance.GetAsync($"/api/charges?accountId={account.AccountId}&status=paid"), HttpStatusCode.OK);
        var charge = list["items"]!.AsArray().Single()!.AsObject();
        Assert.Equal(12000, (long)charge["amount"]!["amount"]!);
        Assert.Equal("usd", (string?)charge["amount"]!["currency"]);
        Assert.Equal("night", (string?)charge["window"]);
        Assert.Equal(12000, (long)charge["ratePerHour"]!["amount"]!);
        Assert.Equal(2, (int)charge["steps"]!);
        Assert.Equal(sid, (string?)charge["callSid"]);
        Assert.Equal(customer, (string?)charge["stripe"]!["customer"]);
        Assert.StartsWith("in_", (string?)charge["stripe"]!["invoice"]);
        var consent = charge["consent"]!.AsObject();
        Assert.Equal(sid, (string?)consent["callSid"]);
        Assert.Equal("1", (string?)consent["key"]);
        Assert.Contains("120 dollars", (string?)consent["prompt"]);

        var empty = await AdminApi.ExpectAsync(await finance.GetAsync($"/api/charges?accountId={account.AccountId}&status=pending"), HttpStatusCode.OK);
        Assert.Empty(empty["items"]!.AsArray());
        var detail = await AdminApi.ExpectAsync(await finance.GetAsync($"/api/charges/{charge["id"]}"), HttpStatusCode.OK);
        Assert.Equal(2400, (int)detail["incident"]!["talkSeconds"]!);
        Assert.Contains(sid, detail["incident"]!["calls"]!.AsArray().Select(c => (string?)c));
        Assert.Contains(detail["events"]!.AsArray(), e => (string?)e!["toStatus"] == "paid");

        var bad = await AdminApi.ProblemAsync(await finance.GetAsync("/api/charges?status=lost&from=yesterday"), HttpStatusCode.BadRequest);
        Assert.Contains("not a charge status", AdminApi.Errors(bad, "status"));
        Assert.Contains("ISO-8601", AdminApi.Errors(bad, "from"));
        var (technicianKey, _) = await api.CreateKeyAsync("technician");
        Assert.Equal(HttpStatusCode.Forbidden, (await api.Client(technicianKey).GetAsync("/api/charges")).StatusCode);
    }

    [Fact]
    public async Task TotalsPerAccountAndMonth_AndCsvExport_AddUp()
    {
        var (account, _, _) = await Billed.ContractCallAsync(fixture, new LocalDateTime(2026, 8, 31, 22, 0), 2, TimeSpan.FromMinutes(40));
        await Billed.PostAllAsync(fixture);
        await using var api = new AdminApi(fixture);
        var from = Instant.FromUtc(2026, 8, 1, 0, 0);
        var to = Instant.FromUtc(2026, 10, 1, 0, 0);

        var totals = await AdminApi.ExpectAsync(await api.Admin.GetAsync($"/api/charges/totals?from={from}&to={to}"), HttpStatusCode.OK);
        var mine = totals["items"]!.AsArray().Where(t => (string?)t!["accountId"] == account.AccountId.ToString()).ToList();
        var total = Assert.Single(mine)!;
        Assert.Equal("2026-08", (string?)total["month"]); // 22:00 New York on 31 August is 1 September in UTC: months are the provider's
        Assert.Equal(12000, (long)total["billed"]!["amount"]!);
        Assert.Equal(12000, (long)total["paid"]!["amount"]!);

        var csv = await api.Admin.GetAsync($"/api/charges.csv?accountId={account.AccountId}");
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        var lines = (await csv.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("charge_id,created_at,status", lines[0]);
        var row = Assert.Single(lines.Skip(1));
        Assert.Contains(",paid,", row);
        Assert.Contains(",12000,120.00,usd,", row);
    }

    [Fact]
    public async Task Waive_NeedsAReason_AndByState_PendingDoesNothingInStripe_PaidIsCreditedAndRefunded_OpenIsVoided()
    {
        await using var api = new AdminApi(fixture);
        var (financeKey, _) = await api.CreateKeyAsync("finance");
        var finance = api.Client(financeKey);

        // Paid: a credit note with a refund.
        var (_, paidSid, _) = await Billed.ContractCallAsync(fixture, new LocalDateTime(2026, 9, 1, 22, 0), 2, TimeSpan.FromMinutes(40));
        await Billed.PostAllAsync(fixture);
        var paid = await Billed.ChargeIdAsync(fixture, paidSid, "priced");
        var missing = await AdminApi.ProblemAsync(await finance.PostAsJsonAsync($"/api/charges/{paid}/waive", new { reason = " " }), HttpStatusCode.BadRequest);
        Assert.Contains("Required", AdminApi.Errors(missing, "reason"));
        var waived = await AdminApi.ExpectAsync(await finance.PostAsJsonAsync($"/api/charges/{paid}/waive", new { reason = "technician error, goodwill" }), HttpStatusCode.OK);
        Assert.Equal("waived", (string?)waived["status"]);
        Assert.Equal("technician error, goodwill", (string?)waived["waived"]!["reason"]);
        await Billed.PostAllAsync(fixture);
        var invoice = await fixture.ScalarAsync<string>("select stripe_invoice_id from charges where id = $1", paid);
        var note = Assert.Single(fixture.Stripe.CreditNotes, n => n.Invoice == invoice);
        Assert.Equal(12000L, note.Amount);
        Assert.Single(fixture.Stripe.Refunds, r => r.Id == note.Refund && r.Amount == 12000);
        Assert.Equal(note.Id, await fixture.ScalarAsync<string>("select stripe_credit_note_id from charges where id = $1", paid));
        Assert.Equal("waived", await fixture.ScalarAsync<string>("select status from charges where id = $1", paid)); // charge.refunded came after: still waived
        Assert.Equal(1L, await fixture.ScalarAsync<long>("select count(*) from charge_events where charge_id = $1 and kind = 'waived' and actor <> 'service'", paid));

        // Open (the card declined): the invoice is voided.
        var (_, openSid, openCustomer) = await Billed.ContractCallAsync(fixture, new LocalDateTime(2026, 9, 2, 22, 0), 2, TimeSpan.FromMinutes(40));
        fixture.Stripe.DeclinePaymentsFor(openCustomer);
        await Billed.PostAllAsync(fixture);
        var open = await Billed.ChargeIdAsync(fixture, openSid, "priced");
        await AdminApi.ExpectAsync(await finance.PostAsJsonAsync($"/api/charges/{open}/waive", new { reason = "disputed" }), HttpStatusCode.OK);
        await Billed.PostAllAsync(fixture);
        var openInvoice = await fixture.ScalarAsync<string>("select stripe_invoice_id from charges where id = $1", open);
        Assert.Equal("void", fixture.Stripe.FindInvoice(openInvoice!)!.Status);

        // Pending (no Stripe customer): nothing reaches Stripe; waiving twice changes nothing.
        var (_, pendingSid, _) = await Billed.ContractCallAsync(fixture, new LocalDateTime(2026, 9, 3, 22, 0), 2, TimeSpan.FromMinutes(40), withCustomer: false);
        var pending = await Billed.ChargeIdAsync(fixture, pendingSid, "priced");
        var requests = fixture.Stripe.Requests.Count;
        await AdminApi.ExpectAsync(await finance.PostAsJsonAsync($"/api/charges/{pending}/waive", new { reason = "courtesy" }), HttpStatusCode.OK);
        await AdminApi.ExpectAsync(await finance.PostAsJsonAsync($"/api/charges/{pending}/waive", new { reason = "courtesy again" }), HttpStatusCode.OK);
        await Billed.PostAllAsync(fixture);
        Assert.Equal(requests, fixture.Stripe.Requests.Count);
        Assert.Equal("courtesy", await fixture.ScalarAsync<string>("select waived_reason from charges where id = $1", pending));

        var (technicianKey, _) = await api.CreateKeyAsync("technician");
        Assert.Equal(HttpStatusCode.Forbidden, (await api.Client(technicianKey).PostAsJsonAsync($"/api/charges/{pending}/waive", new { reason = "x" })).StatusCode);
    }
}
