namespace PhoneSupport.Emulators.Stripe;

/// <summary>An error answer with Stripe's error JSON; thrown inside handlers, answered by the dispatcher.</summary>
internal sealed class StripeEmulatorError(int status, string type, string message, string? code = null, string? param = null)
    : Exception(message)
{
    public int Status { get; } = status;
    public string Type { get; } = type;
    public string? Code { get; } = code;
    public string? Param { get; } = param;
    public string? DeclineCode { get; init; }
    public bool? ShouldRetry { get; init; }

    public static StripeEmulatorError Invalid(string message, string? param = null, string? code = null) =>
        new(400, "invalid_request_error", message, code, param);

    public static StripeEmulatorError Missing(string kind, string id, string param = "id") =>
        new(404, "invalid_request_error", $"No such {kind}: '{id}'", "resource_missing", param);

    /// <summary>The error a <see cref="StripeEmulator.FailNext"/> fault answers, by status.</summary>
    public static StripeEmulatorError ForStatus(int status, string? type, string? code, string? declineCode, string? message) =>
        status switch
        {
            402 => new(402, type ?? "card_error", message ?? "Your card was declined.", code ?? "card_declined") { DeclineCode = declineCode },
            429 => new(429, type ?? "invalid_request_error",
                message ?? "Too many requests hit the API too quickly. We recommend an exponential backoff of your requests.",
                code ?? "rate_limit"),
            >= 500 => new(status, type ?? "api_error", message ?? "An unknown error occurred.", code),
            _ => new(status, type ?? "invalid_request_error", message ?? $"Emulated error (HTTP {status}).", code) { DeclineCode = declineCode },
        };

    public Dictionary<string, object?> ToJson(string requestId)
    {
        var error = new Dictionary<string, object?> { ["type"] = Type };
        AddIf(error, "code", Code);
        AddIf(error, "decline_code", DeclineCode);
        AddIf(error, "doc_url", Code is null ? null : $"https://stripe.com/docs/error-codes/{Code.Replace('_', '-')}");
        error["message"] = Message;
        AddIf(error, "param", Param);
        error["request_log_url"] = $"https://dashboard.stripe.com/test/logs/{requestId}";
        return new Dictionary<string, object?> { ["error"] = error };
    }

    private static void AddIf(Dictionary<string, object?> json, string name, string? value)
    {
        if (value is not null)
        {
            json[name] = value;
        }
    }
}

/// <summary>
/// Stripe's JSON shapes (API <c>2026-10-28.endive</c>: since <c>2025-03-31.basil</c> an invoice has no <c>charge</c>,
/// <c>payment_intent</c>, <c>paid</c> or <c>paid_out_of_band</c> but a <c>payments</c> list of InvoicePayment objects, included
/// only when expanded; a line names its item in <c>parent.invoice_item_details.invoice_item</c>; a credit note lists
/// <c>refunds</c>; a charge no longer names its invoice) of what the emulator keeps.
/// </summary>
internal static class StripeEmulatorJson
{
    /// <summary>The expansion that includes an invoice's payments, and the one that also expands each payment's PaymentIntent.</summary>
    public const string ExpandPayments = "payments";
    public const string ExpandPaymentIntents = "payments.data.payment.payment_intent";

    public static Dictionary<string, object?> Invoice(EmulatedInvoice invoice) => Invoice(invoice, []);

    public static Dictionary<string, object?> Invoice(EmulatedInvoice invoice, IReadOnlyCollection<string> expand)
    {
        var json = InvoiceFields(invoice);
        var intents = expand.Contains(ExpandPaymentIntents);
        if (intents || expand.Contains(ExpandPayments))
        {
            var payments = invoice.PaymentIntent is null ? [] : new List<object?> { InvoicePayment(invoice, intents) };
            json["payments"] = new Dictionary<string, object?>
            {
                ["object"] = "list",
                ["data"] = payments,
                ["has_more"] = false,
                ["url"] = $"/v1/invoice_payments?invoice={invoice.Id}",
            };
        }

        return json;
    }

    /// <summary>The invoice's (one, default) InvoicePayment once its card was charged.</summary>
    public static Dictionary<string, object?> InvoicePayment(EmulatedInvoice invoice, bool expandPaymentIntent = false) => new()
    {
        ["id"] = "inpay_" + invoice.Id[3..],
        ["object"] = "invoice_payment",
        ["amount_paid"] = invoice.AmountPaid,
        ["amount_requested"] = invoice.AmountPaid,
        ["created"] = (invoice.PaidAt ?? invoice.Created).ToUnixTimeSeconds(),
        ["currency"] = invoice.Currency,
        ["invoice"] = invoice.Id,
        ["is_default"] = true,
        ["livemode"] = false,
        ["payment"] = new Dictionary<string, object?>
        {
            ["type"] = "payment_intent",
            ["payment_intent"] = expandPaymentIntent ? PaymentIntent(invoice) : invoice.PaymentIntent,
        },
        ["status"] = "paid",
        ["status_transitions"] = new Dictionary<string, object?>
        {
            ["canceled_at"] = null,
            ["paid_at"] = invoice.PaidAt?.ToUnixTimeSeconds(),
        },
    };

    private static Dictionary<string, object?> PaymentIntent(EmulatedInvoice invoice) => new()
    {
        ["id"] = invoice.PaymentIntent,
        ["object"] = "payment_intent",
        ["amount"] = invoice.AmountPaid,
        ["amount_received"] = invoice.AmountPaid,
        ["currency"] = invoice.Currency,
        ["customer"] = invoice.Customer,
        ["latest_charge"] = invoice.Charge,
        ["livemode"] = false,
        ["status"] = "succeeded",
    };

    private static Dictionary<string, object?> InvoiceFields(EmulatedInvoice invoice) => new()
    {
        ["id"] = invoice.Id,
        ["object"] = "invoice",
        ["amount_due"] = invoice.AmountDue,
        ["amount_paid"] = invoice.AmountPaid,
        ["amount_remaining"] = invoice.AmountRemaining,
        ["attempt_count"] = invoice.AttemptCount,
        ["amount_overpaid"] = 0,
        ["attempted"] = invoice.AttemptCount > 0,
        ["auto_advance"] = invoice.AutoAdvance,
        ["collection_method"] = invoice.CollectionMethod,
        ["created"] = invoice.Created.ToUnixTimeSeconds(),
        ["currency"] = invoice.Currency,
        ["customer"] = invoice.Customer,
        ["days_until_due"] = invoice.DaysUntilDue,
        ["description"] = invoice.Description,
        ["hosted_invoice_url"] = invoice.Status == "draft" ? null : $"https://invoice.stripe.com/i/emulated/{invoice.Id}",
        ["lines"] = new Dictionary<string, object?>
        {
            ["object"] = "list",
            ["data"] = invoice.Items.Select(i => Line(invoice, i)).ToList(),
            ["has_more"] = false,
            ["total_count"] = invoice.Items.Count,
            ["url"] = $"/v1/invoices/{invoice.Id}/lines",
        },
        ["livemode"] = false,
        ["metadata"] = invoice.Metadata,
        ["number"] = invoice.Number,
        ["status"] = invoice.Status,
        ["status_transitions"] = new Dictionary<string, object?>
        {
            ["finalized_at"] = invoice.FinalizedAt?.ToUnixTimeSeconds(),
            ["marked_uncollectible_at"] = invoice.MarkedUncollectibleAt?.ToUnixTimeSeconds(),
            ["paid_at"] = invoice.PaidAt?.ToUnixTimeSeconds(),
            ["voided_at"] = invoice.VoidedAt?.ToUnixTimeSeconds(),
        },
        ["subtotal"] = invoice.Total,
        ["total"] = invoice.Total,
    };

    public static Dictionary<string, object?> InvoiceItem(EmulatedInvoiceItem item) => new()
    {
        ["id"] = item.Id,
        ["object"] = "invoiceitem",
        ["amount"] = item.Amount,
        ["currency"] = item.Currency,
        ["customer"] = item.Customer,
        ["date"] = item.Date.ToUnixTimeSeconds(),
        ["description"] = item.Description,
        ["discountable"] = true,
        ["invoice"] = item.Invoice,
        ["livemode"] = false,
        ["metadata"] = item.Metadata,
        ["period"] = Period(item),
        ["proration"] = false,
        ["quantity"] = 1,
    };

    public static Dictionary<string, object?> CreditNote(EmulatedCreditNote note) => new()
    {
        ["id"] = note.Id,
        ["object"] = "credit_note",
        ["amount"] = note.Amount,
        ["created"] = note.Created.ToUnixTimeSeconds(),
        ["currency"] = note.Currency,
        ["customer"] = note.Customer,
        ["invoice"] = note.Invoice,
        ["livemode"] = false,
        ["memo"] = note.Memo,
        ["metadata"] = note.Metadata,
        ["number"] = note.Number,
        ["reason"] = note.Reason,
        ["refunds"] = note.Refund is null
            ? new List<object?>()
            : [new Dictionary<string, object?> { ["amount_refunded"] = note.RefundAmount, ["refund"] = note.Refund, ["type"] = "refund" }],
        ["status"] = "issued",
        ["type"] = note.Type,
    };

    public static Dictionary<string, object?> Refund(EmulatedRefund refund) => new()
    {
        ["id"] = refund.Id,
        ["object"] = "refund",
        ["amount"] = refund.Amount,
        ["charge"] = refund.Charge,
        ["created"] = refund.Created.ToUnixTimeSeconds(),
        ["currency"] = refund.Currency,
        ["metadata"] = refund.Metadata,
        ["payment_intent"] = refund.PaymentIntent,
        ["reason"] = refund.Reason,
        ["status"] = "succeeded",
    };

    /// <summary>The wire shape of an emulated object; anything else is serialized as given.</summary>
    public static object? Of(object? value) => value switch
    {
        EmulatedInvoice invoice => Invoice(invoice),
        EmulatedInvoiceItem item => InvoiceItem(item),
        EmulatedCreditNote note => CreditNote(note),
        EmulatedRefund refund => Refund(refund),
        _ => value,
    };

    private static Dictionary<string, object?> Line(EmulatedInvoice invoice, EmulatedInvoiceItem item) => new()
    {
        ["id"] = item.LineId,
        ["object"] = "line_item",
        ["amount"] = item.Amount,
        ["currency"] = item.Currency,
        ["description"] = item.Description,
        ["discountable"] = true,
        ["invoice"] = invoice.Id,
        ["livemode"] = false,
        ["metadata"] = item.Metadata,
        ["parent"] = new Dictionary<string, object?>
        {
            ["type"] = "invoice_item_details",
            ["invoice_item_details"] = new Dictionary<string, object?>
            {
                ["invoice"] = invoice.Id,
                ["invoice_item"] = item.Id,
                ["proration"] = false,
                ["proration_details"] = new Dictionary<string, object?> { ["credited_items"] = null },
                ["subscription"] = null,
            },
            ["subscription_item_details"] = null,
        },
        ["period"] = Period(item),
        ["quantity"] = 1,
    };

    private static Dictionary<string, object?> Period(EmulatedInvoiceItem item) => new()
    {
        ["start"] = item.PeriodStart.ToUnixTimeSeconds(),
        ["end"] = item.PeriodEnd.ToUnixTimeSeconds(),
    };
}
