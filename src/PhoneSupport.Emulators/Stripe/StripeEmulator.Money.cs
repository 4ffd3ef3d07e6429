namespace PhoneSupport.Emulators.Stripe;

/// <summary>Credit notes and refunds: money going back after an invoice was finalized.</summary>
public sealed partial class StripeEmulator
{
    private static readonly string[] CreditNoteReasons = ["duplicate", "fraudulent", "order_change", "product_unsatisfactory"];
    private static readonly string[] RefundReasons = ["duplicate", "fraudulent", "requested_by_customer"];

    /// <summary>
    /// Of an open invoice: lowers what is due (<c>pre_payment</c>; fully credited means paid). Of a paid one:
    /// <c>post_payment</c>, with <c>refund_amount</c> refunded to the card.
    /// </summary>
    private Dictionary<string, object?> CreateCreditNote(StripeForm form, DateTimeOffset now, List<PendingEvent> events)
    {
        form.AllowOnly("invoice", "amount", "refund_amount", "credit_amount", "out_of_band_amount", "reason", "memo", "metadata", "expand");
        var invoice = Invoice(form.Required("invoice"), "invoice");
        if (invoice.Status is not ("open" or "paid"))
        {
            throw StripeEmulatorError.Invalid($"Credit notes can only be issued for open or paid invoices; {invoice.Id} is {invoice.Status}.", "invoice");
        }

        var amount = form.Long("amount") ?? throw StripeEmulatorError.Invalid("Missing required param: amount.", "amount", "parameter_missing");
        var creditable = invoice.Total - invoice.CreditedBeforePayment - invoice.CreditedAfterPayment;
        if (amount <= 0 || amount > creditable)
        {
            throw StripeEmulatorError.Invalid($"The credit note amount ({amount}) must be positive and at most the creditable amount ({creditable}).", "amount");
        }

        var reason = form.Text("reason");
        if (reason is not null && !CreditNoteReasons.Contains(reason, StringComparer.Ordinal))
        {
            throw StripeEmulatorError.Invalid($"Invalid reason: must be one of {string.Join(", ", CreditNoteReasons)}.", "reason");
        }

        var refundAmount = form.Long("refund_amount") ?? 0;
        EmulatedRefund? refund = null;
        if (invoice.Status == "open")
        {
            if (refundAmount != 0)
            {
                throw StripeEmulatorError.Invalid("An unpaid invoice has nothing to refund.", "refund_amount");
            }

            invoice.CreditedBeforePayment += amount;
        }
        else
        {
            if (refundAmount < 0 || refundAmount > amount)
            {
                throw StripeEmulatorError.Invalid("refund_amount must be between 0 and the credit note amount.", "refund_amount");
            }

            refund = refundAmount > 0 ? Refund(invoice, refundAmount, reason: null, new Dictionary<string, string>(), now) : null;
            if (refund is not null) events.Add(new("charge.refunded", ChargeObject(invoice)));
            invoice.CreditedAfterPayment += amount;
        }

        var note = new EmulatedCreditNote
        {
            Id = NewId("cn_"), Invoice = invoice.Id, Customer = invoice.Customer, Amount = amount, Currency = invoice.Currency,
            Type = invoice.Status == "open" ? "pre_payment" : "post_payment", Reason = reason, Memo = form.Text("memo"),
            Number = $"{invoice.Number}-CN-{_creditNotes.Count(c => c.Invoice == invoice.Id) + 1:00}", Refund = refund?.Id,
            RefundAmount = refund?.Amount ?? 0, Created = now,
            Metadata = form.Object("metadata") ?? new Dictionary<string, string>(),
        };
        _creditNotes.Add(note);
        if (invoice.Status == "open" && invoice.AmountRemaining == 0)
        {
            MarkPaid(invoice, now, events);
        }

        return StripeEmulatorJson.CreditNote(note);
    }

    private Dictionary<string, object?> CreateRefund(StripeForm form, DateTimeOffset now, List<PendingEvent> events)
    {
        form.AllowOnly("payment_intent", "charge", "amount", "reason", "metadata", "expand");
        var (paymentIntent, charge) = (form.Text("payment_intent"), form.Text("charge"));
        if ((paymentIntent is null) == (charge is null))
        {
            throw StripeEmulatorError.Invalid("Give exactly one of charge and payment_intent.", paymentIntent is null ? "charge" : "payment_intent");
        }

        var invoice = _invoices.FirstOrDefault(i => paymentIntent is not null ? i.PaymentIntent == paymentIntent : i.Charge == charge)
            ?? (paymentIntent is not null
                ? throw StripeEmulatorError.Missing("payment_intent", paymentIntent, "payment_intent")
                : throw StripeEmulatorError.Missing("charge", charge!, "charge"));
        var refundable = invoice.AmountPaid - invoice.Refunded;
        if (refundable <= 0)
        {
            throw StripeEmulatorError.Invalid($"Charge {invoice.Charge} has already been refunded.", code: "charge_already_refunded");
        }

        var amount = form.Long("amount") ?? refundable;
        if (amount <= 0 || amount > refundable)
        {
            throw StripeEmulatorError.Invalid($"Refund amount ({amount}) is greater than unrefunded amount on charge ({refundable}).", "amount");
        }

        var reason = form.Text("reason");
        if (reason is not null && !RefundReasons.Contains(reason, StringComparer.Ordinal))
        {
            throw StripeEmulatorError.Invalid($"Invalid reason: must be one of {string.Join(", ", RefundReasons)}.", "reason");
        }

        var refund = Refund(invoice, amount, reason, form.Object("metadata") ?? new Dictionary<string, string>(), now);
        events.Add(new("charge.refunded", ChargeObject(invoice)));
        return StripeEmulatorJson.Refund(refund);
    }

    /// <summary>The <c>charge</c> object of an invoice's payment, as <c>charge.refunded</c> carries it (no <c>invoice</c> since basil).</summary>
    private static Dictionary<string, object?> ChargeObject(EmulatedInvoice invoice) => new()
    {
        ["id"] = invoice.Charge,
        ["object"] = "charge",
        ["amount"] = invoice.AmountPaid,
        ["amount_refunded"] = invoice.Refunded,
        ["currency"] = invoice.Currency,
        ["customer"] = invoice.Customer,
        ["livemode"] = false,
        ["payment_intent"] = invoice.PaymentIntent,
        ["paid"] = true,
        ["refunded"] = invoice.Refunded >= invoice.AmountPaid,
        ["status"] = "succeeded",
    };

    private EmulatedRefund Refund(EmulatedInvoice invoice, long amount, string? reason, Dictionary<string, string> metadata, DateTimeOffset now)
    {
        if (invoice.Charge is null || amount > invoice.AmountPaid - invoice.Refunded)
        {
            throw StripeEmulatorError.Invalid($"Invoice {invoice.Id} has no card payment of that much to refund.", "refund_amount");
        }

        var refund = new EmulatedRefund
        {
            Id = NewId("re_"), Amount = amount, Currency = invoice.Currency, PaymentIntent = invoice.PaymentIntent!, Charge = invoice.Charge,
            Reason = reason, Created = now, Metadata = metadata,
        };
        invoice.Refunded += amount;
        _refunds.Add(refund);
        return refund;
    }
}
