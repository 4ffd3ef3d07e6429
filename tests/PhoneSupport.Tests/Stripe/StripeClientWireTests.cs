using PhoneSupport.Emulators.Stripe;
using PhoneSupport.Stripe;
using CreditNoteCreateOptions = Stripe.CreditNoteCreateOptions;
using RefundCreateOptions = Stripe.RefundCreateOptions;

namespace PhoneSupport.Tests.Stripe;

/// <summary>
/// The client (Stripe.net underneath) against the emulator over real HTTP: exact form keys (Stripe.net's order), headers,
/// paths, typed objects and the invoice flow.
/// </summary>
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
        Assert.Equal(Sorted(
        [
            KeyValuePair.Create("customer", StripeHarness.Customer), KeyValuePair.Create("amount", "18000"),
            KeyValuePair.Create("currency", "usd"), KeyValuePair.Create("description", "Night/weekend support 1.5 h @ $120/h (INC-42)"),
            KeyValuePair.Create("metadata[incident_id]", "INC-42"), KeyValuePair.Create("metadata[rate]", "night_weekend"),
            KeyValuePair.Create("period[start]", "1767225600"), KeyValuePair.Create("period[end]", "1767231000"),
        ]), Sorted(request.Form));
        Assert.Contains("description=Night%2Fweekend+support", request.RawForm); // Stripe.net encodes spaces as '+'
        Assert.Contains("metadata[incident_id]=INC-42", request.RawForm); // and leaves brackets unescaped
        Assert.Equal("Bearer " + StripeHarness.SecretKey, request.Authorization);
        Assert.Equal(StripeHarness.ApiVersion, request.StripeVersion);
        Assert.Equal("inc:INC-42:item", request.IdempotencyKey);
        Assert.StartsWith("application/x-www-form-urlencoded", request.ContentType, StringComparison.Ordinal); // Stripe.net adds "; charset=utf-8"
        Assert.Equal(200, request.ResponseStatus);

        var stored = _stripe.Emulator.InvoiceItems.Single();
        Assert.Matches("^ii_[A-Za-z0-9]{24}$", item.Id);
        Assert.Equal(stored.Id, item.Id);
        Assert.Equal((18000L, "usd", StripeHarness.Customer, (string?)null), (item.Amount, item.Currency, item.CustomerId, item.InvoiceId));
        Assert.Equal("INC-42", item.Metadata["incident_id"]);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1767231000).UtcDateTime, item.Period.End);
        Assert.Equal("INC-42", stored.Metadata["incident_id"]);
    }

    [Fact]
    public async Task Create_invoice_sends_exclude_charge_automatically_and_auto_advance_false()
    {
        var invoice = await _stripe.Client.CreateInvoiceAsync(StripeHarness.Invoice(), "inc:INC-42:invoice");

        var request = _stripe.Emulator.RequestsTo(StripeEndpoint.CreateInvoice).Single();
        Assert.Equal(Sorted(
        [
            KeyValuePair.Create("customer", StripeHarness.Customer), KeyValuePair.Create("collection_method", "charge_automatically"),
            KeyValuePair.Create("pending_invoice_items_behavior", "exclude"), KeyValuePair.Create("auto_advance", "false"),
            KeyValuePair.Create("metadata[incident_id]", "INC-42"),
        ]), Sorted(request.Form));
        Assert.Matches("^in_[A-Za-z0-9]{24}$", invoice.Id);
        Assert.Equal((StripeInvoiceStatus.Draft, 0L, "charge_automatically", false), (invoice.Status, invoice.AmountDue, invoice.CollectionMethod, invoice.AutoAdvance));
        Assert.Equal("INC-42", invoice.Metadata["incident_id"]);
    }

    [Fact]
    public async Task Exclude_keeps_an_earlier_pending_item_off_the_new_invoice()
    {
        var pending = await _stripe.Client.CreateInvoiceItemAsync(StripeHarness.Item("INC-1"), "inc:INC-1:item");

        var invoice = await _stripe.Client.CreateInvoiceAsync(StripeHarness.Invoice("INC-2"), "inc:INC-2:invoice");

        Assert.Empty(invoice.Lines.Data);
        Assert.Null(_stripe.Emulator.InvoiceItems.Single(i => i.Id == pending.Id).Invoice);
    }

    [Fact]
    public async Task The_per_incident_flow_item_invoice_finalize_pay_ends_paid_with_one_line()
    {
        var draft = await _stripe.Client.CreateInvoiceAsync(StripeHarness.Invoice(), "inc:INC-42:invoice");
        var item = await _stripe.Client.CreateInvoiceItemAsync(StripeHarness.Item(invoice: draft.Id), "inc:INC-42:item");
        var open = await _stripe.Client.FinalizeInvoiceAsync(draft.Id, "inc:INC-42:finalize");
        var paid = await _stripe.Client.PayInvoiceAsync(draft.Id, "inc:INC-42:pay");

        Assert.Equal(draft.Id, item.InvoiceId);
        Assert.Contains(KeyValuePair.Create("invoice", draft.Id), _stripe.Emulator.RequestsTo(StripeEndpoint.CreateInvoiceItem).Single().Form);
        Assert.Equal((StripeInvoiceStatus.Open, 18000L, 0L), (open.Status, open.AmountDue, open.AmountPaid));
        Assert.Matches("^EMU-\\d{4}$", open.Number);
        Assert.Equal((StripeInvoiceStatus.Paid, 18000L, 18000L, 0L), (paid.Status, paid.AmountDue, paid.AmountPaid, paid.AmountRemaining));
        Assert.Equal("usd", paid.Currency);
        // Since 2025-03-31.basil the payment is an InvoicePayment in the invoice's (expanded) payments, not invoice.payment_intent.
        var payment = Assert.Single(paid.Payments.Data);
        Assert.Equal(("paid", "payment_intent", 18000L), (payment.Status, payment.Payment.Type, payment.AmountPaid));
        Assert.Matches("^pi_", payment.Payment.PaymentIntentId);
        Assert.Matches("^ch_", payment.Payment.PaymentIntent.LatestChargeId);
        Assert.Equal((payment.Payment.PaymentIntentId, payment.Payment.PaymentIntent.LatestChargeId), InvoicePayments.Of(paid));
        Assert.Equal([KeyValuePair.Create("expand[0]", "payments.data.payment.payment_intent")],
            _stripe.Emulator.RequestsTo(StripeEndpoint.PayInvoice).Single().Form);
        var line = Assert.Single(paid.Lines.Data);
        Assert.Equal((item.Id, 18000L, "INC-42"), (line.Parent.InvoiceItemDetails.InvoiceItem, line.Amount, line.Metadata["incident_id"]));
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
        Assert.Equal([first.Id, second.Id], withLines.Lines.Data.Select(l => l.Parent.InvoiceItemDetails.InvoiceItem));
    }

    [Fact]
    public async Task Retrieve_sends_a_get_with_indexed_expand_and_no_idempotency_key_and_null_for_a_missing_invoice()
    {
        var paid = await _stripe.BillIncidentAsync();

        var fetched = await _stripe.Client.RetrieveInvoiceAsync(paid.Id, ["lines", "payments"]);
        var missing = await _stripe.Client.RetrieveInvoiceAsync("in_doesnotexist");

        var get = _stripe.Emulator.RequestsTo(StripeEndpoint.RetrieveInvoice)[0];
        Assert.Equal(("GET", "expand[0]=lines&expand[1]=payments", (string?)null), (get.Method, get.RawForm, get.IdempotencyKey));
        Assert.Equal((paid.Id, StripeInvoiceStatus.Paid, 18000L), (fetched!.Id, fetched.Status, fetched.AmountPaid));
        Assert.Null(missing);
        Assert.Equal(404, _stripe.Emulator.RequestsTo(StripeEndpoint.RetrieveInvoice)[1].ResponseStatus);
    }

    [Fact]
    public async Task Credit_note_and_refund_after_payment_return_money_with_their_ids()
    {
        var paid = await _stripe.BillIncidentAsync();

        var (paymentIntent, _) = InvoicePayments.Of(paid);
        var note = await _stripe.Client.CreateCreditNoteAsync(
            new CreditNoteCreateOptions { Invoice = paid.Id, Amount = 6000, Reason = "order_change", Memo = "30 min were not billable", RefundAmount = 6000 },
            "inc:INC-42:credit:1");
        var refund = await _stripe.Client.CreateRefundAsync(
            new RefundCreateOptions { PaymentIntent = paymentIntent, Amount = 2000, Reason = "requested_by_customer" },
            "inc:INC-42:refund:1");

        Assert.Matches("^cn_", note.Id);
        Assert.Equal((paid.Id, 6000L, "post_payment", "order_change"), (note.InvoiceId, note.Amount, note.Type, note.Reason));
        var noteRefund = Assert.Single(note.Refunds); // since basil: refunds[i].refund, no longer refund
        Assert.Equal((_stripe.Emulator.Refunds[0].Id, 6000L, "refund"), (noteRefund.RefundId, noteRefund.AmountRefunded, noteRefund.Type));
        Assert.Matches("^re_", refund.Id);
        Assert.Equal((2000L, "succeeded", paymentIntent), (refund.Amount, refund.Status, refund.PaymentIntentId));
        Assert.Equal([6000L, 2000L], _stripe.Emulator.Refunds.Select(r => r.Amount));
        var tooMuch = await Assert.ThrowsAsync<StripeApiException>(() => _stripe.Client.CreateRefundAsync(
            new RefundCreateOptions { PaymentIntent = paymentIntent, Amount = 10001 }, "inc:INC-42:refund:2"));
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

    [Fact]
    public async Task Every_post_carries_our_idempotency_key_never_the_librarys_and_no_telemetry_header()
    {
        await _stripe.BillIncidentAsync();
        await _stripe.Client.RetrieveInvoiceAsync(_stripe.Emulator.Invoices.Single().Id);

        var requests = _stripe.Emulator.Requests;
        Assert.Equal(["inc:INC-42:invoice", "inc:INC-42:item", "inc:INC-42:finalize", "inc:INC-42:pay"],
            requests.Where(r => r.Method == "POST").Select(r => r.IdempotencyKey));
        Assert.Null(requests.Single(r => r.Method == "GET").IdempotencyKey);
        Assert.All(requests, r => Assert.False(r.Headers.ContainsKey("X-Stripe-Client-Telemetry"), $"{r.Method} {r.Path} sent telemetry"));
        Assert.All(requests, r => Assert.Equal(global::Stripe.StripeConfiguration.ApiVersion, r.StripeVersion));
    }

    [Fact]
    public async Task The_emulator_would_see_the_telemetry_header_and_a_random_key_of_a_client_left_at_the_library_defaults()
    {
        // The contrast to the test above: what Stripe.net does when our client does not set the key and switch telemetry off.
        using var http = new HttpClient();
        var library = new global::Stripe.StripeClient(new global::Stripe.StripeClientOptions
        {
            ApiKey = StripeHarness.SecretKey,
            ApiBase = _stripe.Emulator.BaseUrl,
            HttpClient = new global::Stripe.SystemNetHttpClient(http, maxNetworkRetries: 0, appInfo: null, enableTelemetry: true),
        });

        await library.V1.Invoices.CreateAsync(StripeHarness.Invoice("INC-1"));
        await library.V1.Invoices.CreateAsync(StripeHarness.Invoice("INC-2"));

        var requests = _stripe.Emulator.Requests;
        Assert.All(requests, r => Assert.True(Guid.TryParse(r.IdempotencyKey, out _), r.IdempotencyKey));
        Assert.True(requests[1].Headers.ContainsKey("X-Stripe-Client-Telemetry"));
    }

    private static List<KeyValuePair<string, string>> Sorted(IEnumerable<KeyValuePair<string, string>> form) =>
        [.. form.OrderBy(p => p.Key, StringComparer.Ordinal)];
}
