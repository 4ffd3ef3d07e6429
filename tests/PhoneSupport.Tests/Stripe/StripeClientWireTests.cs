using PhoneSupport.Emulators.Stripe;
using PhoneSupport.Stripe;

namespace PhoneSupport.Tests.Stripe;

/// <summary>The client against the emulator over real HTTP: exact form keys, headers, paths, parsing and the invoice flow.</summary>
public sealed class StripeClientWireTests : IAsyncLifetime
{
    private StripeHarness _stripe = null!;

    public async Task InitializeAsync() => _stripe = await StripeHarness.StartAsync();

    public async Task DisposeAsync() => await _stripe.DisposeAsync();

    [Fact]
    public async Task Create_invoice_item_posts_stripes_bracket_form_with_bearer_version_and_idempotency_key()
    {
        var item = await _stripe.Client.CreateInvoiceItemAsync(StripeHarness.Item(), "inc:INC-42:item");

        var request = _stripe.Emulator.RequestsTo(StripeEndpoint.CreateInvoiceItem).Single();
        Assert.Equal(("POST", "/v1/invoiceitems"), (request.Method, request.Path));
        Assert.Equal(
        [
            KeyValuePair.Create("customer", StripeHarness.Customer), KeyValuePair.Create("amount", "18000"),
            KeyValuePair.Create("currency", "usd"), KeyValuePair.Create("description", "Night/weekend support 1.5 h @ $120/h (INC-42)"),
            KeyValuePair.Create("metadata[incident_id]", "INC-42"), KeyValuePair.Create("metadata[rate]", "night_weekend"),
            KeyValuePair.Create("period[start]", "1767225600"), KeyValuePair.Create("period[end]", "1767231000"),
        ], request.Form);
        Assert.StartsWith("customer=cus_Harness001&amount=18000&currency=usd&description=Night%2Fweekend%20support", request.RawForm);
        Assert.Contains("&metadata[incident_id]=INC-42&", request.RawForm);
        Assert.Equal("Bearer " + StripeHarness.SecretKey, request.Authorization);
        Assert.Equal(StripeHarness.ApiVersion, request.StripeVersion);
        Assert.Equal("inc:INC-42:item", request.IdempotencyKey);
        Assert.Equal("application/x-www-form-urlencoded", request.ContentType);
        Assert.Equal(200, request.ResponseStatus);

        var stored = _stripe.Emulator.InvoiceItems.Single();
        Assert.Matches("^ii_[A-Za-z0-9]{24}$", item.Id);
        Assert.Equal(stored.Id, item.Id);
        Assert.Equal((18000L, "usd", StripeHarness.Customer, (string?)null), (item.Amount, item.Currency, item.Customer, item.Invoice));
        Assert.Equal("INC-42", item.Metadata["incident_id"]);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1767231000), item.PeriodEnd);
        Assert.Equal("INC-42", stored.Metadata["incident_id"]);
    }

    [Fact]
    public async Task Create_invoice_sends_exclude_charge_automatically_and_auto_advance_false()
    {
        var invoice = await _stripe.Client.CreateInvoiceAsync(StripeHarness.Invoice(), "inc:INC-42:invoice");

        var request = _stripe.Emulator.RequestsTo(StripeEndpoint.CreateInvoice).Single();
        Assert.Equal(
        [
            KeyValuePair.Create("customer", StripeHarness.Customer), KeyValuePair.Create("collection_method", "charge_automatically"),
            KeyValuePair.Create("pending_invoice_items_behavior", "exclude"), KeyValuePair.Create("auto_advance", "false"),
            KeyValuePair.Create("metadata[incident_id]", "INC-42"),
        ], request.Form);
        Assert.Matches("^in_[A-Za-z0-9]{24}$", invoice.Id);
        Assert.Equal((StripeInvoiceStatus.Draft, 0L, "charge_automatically", false), (invoice.Status, invoice.AmountDue, invoice.CollectionMethod, invoice.AutoAdvance));
        Assert.Equal("INC-42", invoice.Metadata["incident_id"]);
    }

    [Fact]
    public async Task Exclude_keeps_an_earlier_pending_item_off_the_new_invoice()
    {
        var pending = await _stripe.Client.CreateInvoiceItemAsync(StripeHarness.Item("INC-1"), "inc:INC-1:item");

        var invoice = await _stripe.Client.CreateInvoiceAsync(StripeHarness.Invoice("INC-2"), "inc:INC-2:invoice");

        Assert.Empty(invoice.Lines);
        Assert.Null(_stripe.Emulator.InvoiceItems.Single(i => i.Id == pending.Id).Invoice);
    }

    [Fact]
    public async Task The_per_incident_flow_item_invoice_finalize_pay_ends_paid_with_one_line()
    {
        var draft = await _stripe.Client.CreateInvoiceAsync(StripeHarness.Invoice(), "inc:INC-42:invoice");
        var item = await _stripe.Client.CreateInvoiceItemAsync(StripeHarness.Item(invoice: draft.Id), "inc:INC-42:item");
        var open = await _stripe.Client.FinalizeInvoiceAsync(draft.Id, "inc:INC-42:finalize");
        var paid = await _stripe.Client.PayInvoiceAsync(draft.Id, "inc:INC-42:pay");

        Assert.Equal(draft.Id, item.Invoice);
        Assert.Equal(KeyValuePair.Create("invoice", draft.Id), _stripe.Emulator.RequestsTo(StripeEndpoint.CreateInvoiceItem).Single().Form[1]);
        Assert.Equal((StripeInvoiceStatus.Open, 18000L, 0L), (open.Status, open.AmountDue, open.AmountPaid));
        Assert.Matches("^EMU-\\d{4}$", open.Number);
        Assert.Equal((StripeInvoiceStatus.Paid, 18000L, 18000L, 0L), (paid.Status, paid.AmountDue, paid.AmountPaid, paid.AmountRemaining));
        Assert.Equal("usd", paid.Currency);
        Assert.Matches("^pi_", paid.PaymentIntent);
        var line = Assert.Single(paid.Lines);
        Assert.Equal((item.Id, 18000L, "INC-42"), (line.InvoiceItem, line.Amount, line.Metadata["incident_id"]));
        Assert.Equal(["/v1/invoices", "/v1/invoiceitems", $"/v1/invoices/{draft.Id}/finalize", $"/v1/invoices/{draft.Id}/pay"],
            _stripe.Emulator.Requests.Select(r => r.Path));
        Assert.Equal("paid", _stripe.Emulator.FindInvoice(draft.Id)!.Status);
    }

    [Fact]
    public async Task Monthly_billing_adds_pending_items_with_indexed_lines()
    {
        var first = await _stripe.Client.CreateInvoiceItemAsync(StripeHarness.Item("INC-1", amount: 12000), "inc:INC-1:item");
        var second = await _stripe.Client.CreateInvoiceItemAsync(StripeHarness.Item("INC-2", amount: 26000), "inc:INC-2:item");
        var invoice = await _stripe.Client.CreateInvoiceAsync(StripeHarness.Invoice("2026-01"), "month:2026-01:invoice");

        var withLines = await _stripe.Client.AddInvoiceLinesAsync(invoice.Id, [first.Id, second.Id], "month:2026-01:lines");

        Assert.Equal(
            [KeyValuePair.Create("lines[0][invoice_item]", first.Id), KeyValuePair.Create("lines[1][invoice_item]", second.Id)],
            _stripe.Emulator.RequestsTo(StripeEndpoint.AddInvoiceLines).Single().Form);
        Assert.Equal(38000, withLines.AmountDue);
        Assert.Equal([first.Id, second.Id], withLines.Lines.Select(l => l.InvoiceItem));
    }

    [Fact]
    public async Task Retrieve_sends_a_get_with_indexed_expand_and_no_idempotency_key_and_null_for_a_missing_invoice()
    {
        var paid = await _stripe.BillIncidentAsync();

        var fetched = await _stripe.Client.RetrieveInvoiceAsync(paid.Id, ["lines", "customer"]);
        var missing = await _stripe.Client.RetrieveInvoiceAsync("in_doesnotexist");

        var get = _stripe.Emulator.RequestsTo(StripeEndpoint.RetrieveInvoice)[0];
        Assert.Equal(("GET", "expand[0]=lines&expand[1]=customer", (string?)null), (get.Method, get.RawForm, get.IdempotencyKey));
        Assert.Equal((paid.Id, StripeInvoiceStatus.Paid, 18000L), (fetched!.Id, fetched.Status, fetched.AmountPaid));
        Assert.Null(missing);
        Assert.Equal(404, _stripe.Emulator.RequestsTo(StripeEndpoint.RetrieveInvoice)[1].ResponseStatus);
    }

    [Fact]
    public async Task Credit_note_and_refund_after_payment_return_money_with_their_ids()
    {
        var paid = await _stripe.BillIncidentAsync();

        var note = await _stripe.Client.CreateCreditNoteAsync(
            new StripeCreditNoteCreateOptions(paid.Id, 6000) { Reason = "order_change", Memo = "30 min were not billable", RefundAmount = 6000 },
            "inc:INC-42:credit:1");
        var refund = await _stripe.Client.CreateRefundAsync(
            new StripeRefundCreateOptions { PaymentIntent = paid.PaymentIntent, Amount = 2000, Reason = "requested_by_customer" },
            "inc:INC-42:refund:1");

        Assert.Matches("^cn_", note.Id);
        Assert.Equal((paid.Id, 6000L, "post_payment", "order_change"), (note.Invoice, note.Amount, note.Type, note.Reason));
        Assert.Matches("^re_", refund.Id);
        Assert.Equal((2000L, "succeeded", paid.PaymentIntent), (refund.Amount, refund.Status, refund.PaymentIntent));
        Assert.Equal([6000L, 2000L], _stripe.Emulator.Refunds.Select(r => r.Amount));
        var tooMuch = await Assert.ThrowsAsync<StripeApiException>(() => _stripe.Client.CreateRefundAsync(
            new StripeRefundCreateOptions { PaymentIntent = paid.PaymentIntent, Amount = 10001 }, "inc:INC-42:refund:2"));
        Assert.Equal((400, "invalid_request_error", "amount"), (tooMuch.Status, tooMuch.Type, tooMuch.Param));
    }

    [Fact]
    public async Task Void_and_mark_uncollectible_follow_the_state_machine()
    {
        var a = await _stripe.Client.CreateInvoiceAsync(StripeHarness.Invoice("INC-A"), "inc:INC-A:invoice");
        await _stripe.Client.CreateInvoiceItemAsync(StripeHarness.Item("INC-A", a.Id), "inc:INC-A:item");
        await _stripe.Client.FinalizeInvoiceAsync(a.Id, "inc:INC-A:finalize");

        var uncollectible = await _stripe.Client.MarkInvoiceUncollectibleAsync(a.Id, "inc:INC-A:uncollectible");
        var voided = await _stripe.Client.VoidInvoiceAsync(a.Id, "inc:INC-A:void");
        var again = await Assert.ThrowsAsync<StripeApiException>(() => _stripe.Client.PayInvoiceAsync(a.Id, "inc:INC-A:pay"));

        Assert.Equal(StripeInvoiceStatus.Uncollectible, uncollectible.Status);
        Assert.Equal(StripeInvoiceStatus.Void, voided.Status);
        Assert.Equal((400, "invalid_request_error"), (again.Status, again.Type));
        Assert.Single(_stripe.Emulator.RequestsTo(StripeEndpoint.PayInvoice)); // a 400 is not retried
    }
}
