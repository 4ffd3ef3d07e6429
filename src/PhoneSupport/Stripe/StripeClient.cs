using System.Net.Http.Headers;
using Microsoft.Extensions.Options;

namespace PhoneSupport.Stripe;

/// <summary>
/// <see cref="IStripeClient"/> over a typed <see cref="HttpClient"/>: <c>Authorization: Bearer</c> with the secret key,
/// the pinned <c>Stripe-Version</c>, Stripe's bracket form bodies, an <c>Idempotency-Key</c> on every POST, a per-attempt
/// timeout, and retries with jittered exponential backoff on 429, 5xx, timeouts and failed connections — safe only
/// because the same key goes out on every attempt — unless Stripe answers <c>Stripe-Should-Retry: false</c>.
/// The secret key never reaches the logs.
/// </summary>
public sealed partial class StripeClient : IStripeClient
{
    private const string UserAgent = "PhoneSupport-Stripe/1.0";
    private const int MaxIdempotencyKeyLength = 255;

    private readonly HttpClient _http;
    private readonly StripeOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly AuthenticationHeaderValue _authorization;
    private readonly string _apiBase;

    public StripeClient(HttpClient http, IOptions<StripeOptions> options, TimeProvider time, ILogger<StripeClient> logger)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        var settings = options.Value;
        if (string.IsNullOrWhiteSpace(settings.SecretKey))
        {
            throw new InvalidOperationException("Stripe:SecretKey is required by the Stripe client.");
        }

        if (string.IsNullOrWhiteSpace(settings.ApiVersion))
        {
            throw new InvalidOperationException("Stripe:ApiVersion must be pinned.");
        }

        if (!Uri.TryCreate(settings.ApiBaseUrl, UriKind.Absolute, out var baseUrl))
        {
            throw new InvalidOperationException("Stripe:ApiBaseUrl must be an absolute URL.");
        }

        _http = http;
        _options = settings;
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _authorization = new AuthenticationHeaderValue("Bearer", settings.SecretKey);
        _apiBase = baseUrl.GetLeftPart(UriPartial.Authority) + baseUrl.AbsolutePath.TrimEnd('/');
    }

    public Task<StripeInvoiceItem> CreateInvoiceItemAsync(
        StripeInvoiceItemCreateOptions options, string idempotencyKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        return PostAsync("/v1/invoiceitems", "invoiceitems.create", options.ToParams(), idempotencyKey,
            StripeInvoiceItem.FromJson, cancellationToken);
    }

    public Task<StripeInvoice> CreateInvoiceAsync(
        StripeInvoiceCreateOptions options, string idempotencyKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        return PostAsync("/v1/invoices", "invoices.create", options.ToParams(), idempotencyKey, StripeInvoice.FromJson, cancellationToken);
    }

    public Task<StripeInvoice> AddInvoiceLinesAsync(
        string invoiceId, IReadOnlyList<string> invoiceItemIds, string idempotencyKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(invoiceItemIds);
        if (invoiceItemIds.Count == 0 || invoiceItemIds.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException("Give at least one invoice item id, none blank.", nameof(invoiceItemIds));
        }

        var lines = invoiceItemIds
            .Select(id => (object?)new KeyValuePair<string, object?>[] { new("invoice_item", id) })
            .ToList();
        return PostAsync(InvoicePath(invoiceId, "/add_lines"), "invoices.add_lines", [new("lines", lines)], idempotencyKey,
            StripeInvoice.FromJson, cancellationToken);
    }

    public Task<StripeInvoice> FinalizeInvoiceAsync(
        string invoiceId, string idempotencyKey, bool? autoAdvance = null, CancellationToken cancellationToken = default)
    {
        var form = new List<KeyValuePair<string, object?>>();
        form.AddIf("auto_advance", autoAdvance);
        return PostAsync(InvoicePath(invoiceId, "/finalize"), "invoices.finalize", form, idempotencyKey, StripeInvoice.FromJson,
            cancellationToken);
    }

    public Task<StripeInvoice> PayInvoiceAsync(
        string invoiceId, string idempotencyKey, StripeInvoicePayOptions? options = null, CancellationToken cancellationToken = default) =>
        PostAsync(InvoicePath(invoiceId, "/pay"), "invoices.pay", (options ?? new()).ToParams(), idempotencyKey,
            StripeInvoice.FromJson, cancellationToken);

    public Task<StripeInvoice> VoidInvoiceAsync(string invoiceId, string idempotencyKey, CancellationToken cancellationToken = default) =>
        PostAsync(InvoicePath(invoiceId, "/void"), "invoices.void", [], idempotencyKey, StripeInvoice.FromJson, cancellationToken);

    public Task<StripeInvoice> MarkInvoiceUncollectibleAsync(string invoiceId, string idempotencyKey, CancellationToken cancellationToken = default) =>
        PostAsync(InvoicePath(invoiceId, "/mark_uncollectible"), "invoices.mark_uncollectible", [], idempotencyKey,
            StripeInvoice.FromJson, cancellationToken);

    public Task<StripeCreditNote> CreateCreditNoteAsync(
        StripeCreditNoteCreateOptions options, string idempotencyKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        return PostAsync("/v1/credit_notes", "credit_notes.create", options.ToParams(), idempotencyKey, StripeCreditNote.FromJson,
            cancellationToken);
    }

    public Task<StripeRefund> CreateRefundAsync(StripeRefundCreateOptions options, string idempotencyKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        return PostAsync("/v1/refunds", "refunds.create", options.ToParams(), idempotencyKey, StripeRefund.FromJson, cancellationToken);
    }

    public async Task<StripeInvoice?> RetrieveInvoiceAsync(
        string invoiceId, IReadOnlyList<string>? expand = null, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<KeyValuePair<string, string>> query = expand is { Count: > 0 } ? StripeFormEncoder.Flatten([new("expand", expand)]) : [];
        var request = new StripeRequest(HttpMethod.Get, InvoicePath(invoiceId, ""), "invoices.retrieve", query, null);
        try
        {
            return await SendAsync(request, StripeInvoice.FromJson, cancellationToken).ConfigureAwait(false);
        }
        catch (StripeApiException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    private Task<T> PostAsync<T>(
        string path, string operation, IEnumerable<KeyValuePair<string, object?>> parameters, string idempotencyKey,
        Func<System.Text.Json.JsonElement, T> parse, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(idempotencyKey);
        if (idempotencyKey.Length > MaxIdempotencyKeyLength)
        {
            throw new ArgumentException($"Stripe idempotency keys are at most {MaxIdempotencyKeyLength} characters.", nameof(idempotencyKey));
        }

        var request = new StripeRequest(HttpMethod.Post, path, operation, StripeFormEncoder.Flatten(parameters), idempotencyKey);
        return SendAsync(request, parse, cancellationToken);
    }

    private static string InvoicePath(string invoiceId, string action)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(invoiceId);
        return $"/v1/invoices/{Uri.EscapeDataString(invoiceId)}{action}";
    }
}
