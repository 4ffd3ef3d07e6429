namespace PhoneSupport.Stripe;

/// <summary>
/// The slice of Stripe API v1 used for per-incident billing (research/stripe.md §1.5). Every POST takes an explicit
/// <c>idempotencyKey</c> (≤ 255 characters): derive it from the business operation, e.g. <c>inc:INC-42:item</c>, and
/// send the same parameters with it, so a retry — ours or the caller's, within Stripe's 24 h window — never bills twice.
/// Failures: <see cref="StripeApiException"/> for Stripe's errors, <see cref="TimeoutException"/> when no answer came in
/// time, <see cref="HttpRequestException"/> when the connection failed — after the retries ran out. In every case calling
/// again with the same key is safe.
/// </summary>
public interface IStripeClient
{
    /// <summary><c>POST /v1/invoiceitems</c>.</summary>
    Task<StripeInvoiceItem> CreateInvoiceItemAsync(
        StripeInvoiceItemCreateOptions options, string idempotencyKey, CancellationToken cancellationToken = default);

    /// <summary><c>POST /v1/invoices</c> (a draft).</summary>
    Task<StripeInvoice> CreateInvoiceAsync(
        StripeInvoiceCreateOptions options, string idempotencyKey, CancellationToken cancellationToken = default);

    /// <summary><c>POST /v1/invoices/{id}/add_lines</c> with <c>lines[i][invoice_item]</c>: puts pending items on a draft.</summary>
    Task<StripeInvoice> AddInvoiceLinesAsync(
        string invoiceId, IReadOnlyList<string> invoiceItemIds, string idempotencyKey, CancellationToken cancellationToken = default);

    /// <summary><c>POST /v1/invoices/{id}/finalize</c>: draft → open (a zero invoice goes straight to paid).</summary>
    Task<StripeInvoice> FinalizeInvoiceAsync(
        string invoiceId, string idempotencyKey, bool? autoAdvance = null, CancellationToken cancellationToken = default);

    /// <summary><c>POST /v1/invoices/{id}/pay</c>: open → paid; a decline is a <see cref="StripeApiException"/> with status 402.</summary>
    Task<StripeInvoice> PayInvoiceAsync(
        string invoiceId, string idempotencyKey, StripeInvoicePayOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary><c>POST /v1/invoices/{id}/void</c>: open or uncollectible → void.</summary>
    Task<StripeInvoice> VoidInvoiceAsync(string invoiceId, string idempotencyKey, CancellationToken cancellationToken = default);

    /// <summary><c>POST /v1/invoices/{id}/mark_uncollectible</c>: open → uncollectible.</summary>
    Task<StripeInvoice> MarkInvoiceUncollectibleAsync(string invoiceId, string idempotencyKey, CancellationToken cancellationToken = default);

    /// <summary><c>POST /v1/credit_notes</c>.</summary>
    Task<StripeCreditNote> CreateCreditNoteAsync(
        StripeCreditNoteCreateOptions options, string idempotencyKey, CancellationToken cancellationToken = default);

    /// <summary><c>POST /v1/refunds</c>.</summary>
    Task<StripeRefund> CreateRefundAsync(StripeRefundCreateOptions options, string idempotencyKey, CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>GET /v1/invoices/{id}</c>, with <c>expand[i]</c> when given. No idempotency key: Stripe ignores it on GET, and a
    /// GET is safe to repeat anyway. Null when the invoice does not exist.
    /// </summary>
    Task<StripeInvoice?> RetrieveInvoiceAsync(
        string invoiceId, IReadOnlyList<string>? expand = null, CancellationToken cancellationToken = default);
}
