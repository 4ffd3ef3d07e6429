using Microsoft.Extensions.Options;
using CreditNote = Stripe.CreditNote;
using CreditNoteCreateOptions = Stripe.CreditNoteCreateOptions;
using Invoice = Stripe.Invoice;
using InvoiceCreateOptions = Stripe.InvoiceCreateOptions;
using InvoiceItem = Stripe.InvoiceItem;
using InvoiceItemCreateOptions = Stripe.InvoiceItemCreateOptions;
using InvoicePayOptions = Stripe.InvoicePayOptions;
using Refund = Stripe.Refund;
using RefundCreateOptions = Stripe.RefundCreateOptions;
using RequestOptions = Stripe.RequestOptions;
using StripeException = Stripe.StripeException;
using StripeLibraryClient = Stripe.StripeClient;

namespace PhoneSupport.Stripe;

/// <summary>
/// <see cref="IStripeClient"/> over Stripe.net's <see cref="StripeLibraryClient"/> (<c>ApiBase</c> from
/// <c>Stripe:ApiBaseUrl</c>, the typed <see cref="HttpClient"/>, telemetry header off), on the library's pinned API version.
/// What the library does not do the way billing needs is ours: our <c>Idempotency-Key</c> on every POST; a per-attempt
/// timeout and retries with jittered exponential backoff on the injected <see cref="TimeProvider"/> (the library's retries are
/// off: they sleep in real time, ≥ 500 ms, and skip a bare 429) on 429, 5xx, timeouts and failed connections — safe only
/// because the same key goes out on every attempt — unless Stripe answers <c>Stripe-Should-Retry: false</c>; and Stripe's
/// errors as <see cref="StripeApiException"/>. The secret key never reaches the logs.
/// </summary>
public sealed partial class StripeClient : IStripeClient
{
    private const int MaxIdempotencyKeyLength = 255;

    private readonly StripeLibraryClient _stripe;
    private readonly StripeOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public StripeClient(HttpClient http, IOptions<StripeOptions> options, TimeProvider time, ILogger<StripeClient> logger)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        var settings = options.Value;
        if (string.IsNullOrWhiteSpace(settings.SecretKey))
        {
            throw new InvalidOperationException("Stripe:SecretKey is required by the Stripe client.");
        }

        if (!Uri.TryCreate(settings.ApiBaseUrl, UriKind.Absolute, out var baseUrl))
        {
            throw new InvalidOperationException("Stripe:ApiBaseUrl must be an absolute URL.");
        }

        _options = settings;
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _stripe = new StripeLibraryClient(new global::Stripe.StripeClientOptions
        {
            ApiKey = settings.SecretKey,
            ApiBase = baseUrl.GetLeftPart(UriPartial.Authority) + baseUrl.AbsolutePath.TrimEnd('/'),
            HttpClient = new global::Stripe.SystemNetHttpClient(http, maxNetworkRetries: 0, appInfo: null, enableTelemetry: false),
        });
    }

    public Task<InvoiceItem> CreateInvoiceItemAsync(InvoiceItemCreateOptions options, string idempotencyKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        return PostAsync("invoiceitems.create", idempotencyKey, (ro, ct) => _stripe.V1.InvoiceItems.CreateAsync(options, ro, ct), cancellationToken);
    }

    public Task<Invoice> CreateInvoiceAsync(InvoiceCreateOptions options, string idempotencyKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        return PostAsync("invoices.create", idempotencyKey, (ro, ct) => _stripe.V1.Invoices.CreateAsync(options, ro, ct), cancellationToken);
    }

    public Task<Invoice> AddInvoiceLinesAsync(
        string invoiceId, IReadOnlyList<string> invoiceItemIds, string idempotencyKey, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(invoiceId);
        ArgumentNullException.ThrowIfNull(invoiceItemIds);
        if (invoiceItemIds.Count == 0 || invoiceItemIds.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException("Give at least one invoice item id, none blank.", nameof(invoiceItemIds));
        }

        var options = new global::Stripe.InvoiceAddLinesOptions
        {
            Lines = [.. invoiceItemIds.Select(id => new global::Stripe.InvoiceLineOptions { InvoiceItem = id })],
        };
        return PostAsync("invoices.add_lines", idempotencyKey, (ro, ct) => _stripe.V1.Invoices.AddLinesAsync(invoiceId, options, ro, ct), cancellationToken);
    }

    public Task<Invoice> FinalizeInvoiceAsync(
        string invoiceId, string idempotencyKey, bool? autoAdvance = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(invoiceId);
        var options = new global::Stripe.InvoiceFinalizeOptions();
        if (autoAdvance is { } advance)
        {
            options.AutoAdvance = advance;
        }

        return PostAsync("invoices.finalize", idempotencyKey, (ro, ct) => _stripe.V1.Invoices.FinalizeInvoiceAsync(invoiceId, options, ro, ct),
            cancellationToken);
    }

    public Task<Invoice> PayInvoiceAsync(
        string invoiceId, string idempotencyKey, InvoicePayOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(invoiceId);
        options ??= new InvoicePayOptions();
        options.Expand ??= [.. InvoicePayments.Expand];
        return PostAsync("invoices.pay", idempotencyKey, (ro, ct) => _stripe.V1.Invoices.PayAsync(invoiceId, options, ro, ct), cancellationToken);
    }

    public Task<Invoice> VoidInvoiceAsync(string invoiceId, string idempotencyKey, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(invoiceId);
        return PostAsync("invoices.void", idempotencyKey, (ro, ct) => _stripe.V1.Invoices.VoidInvoiceAsync(invoiceId, null, ro, ct), cancellationToken);
    }

    public Task<Invoice> MarkInvoiceUncollectibleAsync(string invoiceId, string idempotencyKey, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(invoiceId);
        return PostAsync("invoices.mark_uncollectible", idempotencyKey,
            (ro, ct) => _stripe.V1.Invoices.MarkUncollectibleAsync(invoiceId, null, ro, ct), cancellationToken);
    }

    public Task<CreditNote> CreateCreditNoteAsync(CreditNoteCreateOptions options, string idempotencyKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        return PostAsync("credit_notes.create", idempotencyKey, (ro, ct) => _stripe.V1.CreditNotes.CreateAsync(options, ro, ct), cancellationToken);
    }

    public Task<Refund> CreateRefundAsync(RefundCreateOptions options, string idempotencyKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.PaymentIntent) == string.IsNullOrWhiteSpace(options.Charge))
        {
            throw new ArgumentException("Give exactly one of PaymentIntent and Charge.", nameof(options));
        }

        return PostAsync("refunds.create", idempotencyKey, (ro, ct) => _stripe.V1.Refunds.CreateAsync(options, ro, ct), cancellationToken);
    }

    public async Task<Invoice?> RetrieveInvoiceAsync(string invoiceId, IReadOnlyList<string>? expand = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(invoiceId);
        var options = new global::Stripe.InvoiceGetOptions { Expand = [.. expand ?? InvoicePayments.Expand] };
        try
        {
            return await SendAsync("invoices.retrieve", "GET", (ro, ct) => _stripe.V1.Invoices.GetAsync(invoiceId, options, ro, ct),
                new RequestOptions(), cancellationToken).ConfigureAwait(false);
        }
        catch (StripeApiException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    private Task<T> PostAsync<T>(
        string operation, string idempotencyKey, Func<RequestOptions, CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(idempotencyKey);
        if (idempotencyKey.Length > MaxIdempotencyKeyLength)
        {
            throw new ArgumentException($"Stripe idempotency keys are at most {MaxIdempotencyKeyLength} characters.", nameof(idempotencyKey));
        }

        return SendAsync(operation, "POST", call, new RequestOptions { IdempotencyKey = idempotencyKey }, cancellationToken);
    }
}
