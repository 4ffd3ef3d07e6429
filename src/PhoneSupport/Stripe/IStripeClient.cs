using CreditNote = Stripe.CreditNote;
using CreditNoteCreateOptions = Stripe.CreditNoteCreateOptions;
using Invoice = Stripe.Invoice;
using InvoiceCreateOptions = Stripe.InvoiceCreateOptions;
using InvoiceItem = Stripe.InvoiceItem;
using InvoiceItemCreateOptions = Stripe.InvoiceItemCreateOptions;
using InvoicePayOptions = Stripe.InvoicePayOptions;
using Refund = Stripe.Refund;
using RefundCreateOptions = Stripe.RefundCreateOptions;

namespace PhoneSupport.Stripe;

/// <summary>
/// The slice of Stripe API v1 used for per-incident billing, shaped like Stripe.net's services and answering its typed
/// objects (API version <c>2026-10-28.endive</c>, fixed by the library). Every POST takes an explicit <c>idempotencyKey</c>
/// (≤ 255 characters): derive it from the business operation, e.g. <c>charge:{id}:item</c>, and send the same parameters
/// with it, so a retry — ours or the caller's, within Stripe's 24 h window — never bills twice (Stripe.net would otherwise
/// put a random key of its own on each call). Failures: <see cref="StripeApiException"/> for Stripe's errors,
/// <see cref="TimeoutException"/> when no answer came in time, <see cref="HttpRequestException"/> when the connection
/// failed — after the retries ran out. In every case calling again with the same key is safe.
/// </summary>
public interface IStripeClient
{
    /// <summary><c>POST /v1/invoiceitems</c>.</summary>
    Task<InvoiceItem> CreateInvoiceItemAsync(InvoiceItemCreateOptions options, string idempotencyKey, CancellationToken cancellationToken = default);

    /// <summary><c>POST /v1/invoices</c> (a draft).</summary>
    Task<Invoice> CreateInvoiceAsync(InvoiceCreateOptions options, string idempotencyKey, CancellationToken cancellationToken = default);

    /// <summary><c>POST /v1/invoices/{id}/add_lines</c> with <c>lines[i][invoice_item]</c>: puts pending items on a draft.</summary>
    Task<Invoice> AddInvoiceLinesAsync(
        string invoiceId, IReadOnlyList<string> invoiceItemIds, string idempotencyKey, CancellationToken cancellationToken = default);

    /// <summary><c>POST /v1/invoices/{id}/finalize</c>: draft → open (a zero invoice goes straight to paid).</summary>
    Task<Invoice> FinalizeInvoiceAsync(
        string invoiceId, string idempotencyKey, bool? autoAdvance = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>POST /v1/invoices/{id}/pay</c>: open → paid; a decline is a <see cref="StripeApiException"/> with status 402. The
    /// answer has <c>payments</c> expanded down to each payment's PaymentIntent (<see cref="InvoicePayments"/>), the way the
    /// 2025 versions expose what used to be the invoice's <c>charge</c> and <c>payment_intent</c>.
    /// </summary>
    Task<Invoice> PayInvoiceAsync(
        string invoiceId, string idempotencyKey, InvoicePayOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary><c>POST /v1/invoices/{id}/void</c>: open or uncollectible → void.</summary>
    Task<Invoice> VoidInvoiceAsync(string invoiceId, string idempotencyKey, CancellationToken cancellationToken = default);

    /// <summary><c>POST /v1/invoices/{id}/mark_uncollectible</c>: open → uncollectible.</summary>
    Task<Invoice> MarkInvoiceUncollectibleAsync(string invoiceId, string idempotencyKey, CancellationToken cancellationToken = default);

    /// <summary><c>POST /v1/credit_notes</c>; the refund a post-payment note made is in <c>refunds[i].refund</c>.</summary>
    Task<CreditNote> CreateCreditNoteAsync(CreditNoteCreateOptions options, string idempotencyKey, CancellationToken cancellationToken = default);

    /// <summary><c>POST /v1/refunds</c>.</summary>
    Task<Refund> CreateRefundAsync(RefundCreateOptions options, string idempotencyKey, CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>GET /v1/invoices/{id}</c>, with <c>expand[i]</c> when given (null: <see cref="InvoicePayments.Expand"/>, so a paid
    /// invoice names its payment). No idempotency key: Stripe ignores it on GET, and a GET is safe to repeat anyway. Null
    /// when the invoice does not exist.
    /// </summary>
    Task<Invoice?> RetrieveInvoiceAsync(string invoiceId, IReadOnlyList<string>? expand = null, CancellationToken cancellationToken = default);
}

/// <summary>The invoice statuses (research/stripe.md §1.2).</summary>
public static class StripeInvoiceStatus
{
    public const string Draft = "draft";
    public const string Open = "open";
    public const string Paid = "paid";
    public const string Uncollectible = "uncollectible";
    public const string Void = "void";
}

/// <summary>
/// Where the payment of an invoice is since <c>2025-03-31.basil</c>: not <c>invoice.charge</c>/<c>payment_intent</c> (gone),
/// but the invoice's <c>payments</c> list of InvoicePayment objects, each with <c>payment.payment_intent</c> (or
/// <c>payment.charge</c> for a charge without one). <c>payments</c> is includable: it is in an answer only when expanded.
/// </summary>
public static class InvoicePayments
{
    /// <summary>Expands the payments and their PaymentIntents (for <c>latest_charge</c>).</summary>
    public static readonly IReadOnlyList<string> Expand = ["payments.data.payment.payment_intent"];

    /// <summary>The paid payment's PaymentIntent and charge ids, or nulls when the invoice has none (or was not expanded).</summary>
    public static (string? PaymentIntent, string? Charge) Of(Invoice invoice)
    {
        ArgumentNullException.ThrowIfNull(invoice);
        var payment = invoice.Payments?.Data?.Where(p => p.Payment is not null)
            .OrderByDescending(p => p.Status == "paid").ThenByDescending(p => p.IsDefault).FirstOrDefault()?.Payment;
        if (payment is null) return (null, null);
        return (payment.PaymentIntentId, payment.ChargeId ?? payment.PaymentIntent?.LatestChargeId);
    }
}
