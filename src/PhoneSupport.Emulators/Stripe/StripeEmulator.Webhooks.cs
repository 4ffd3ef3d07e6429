using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace PhoneSupport.Emulators.Stripe;

/// <summary>
/// Signed event delivery (research/stripe.md §3–4): the event is pretty-printed JSON like Stripe's, and
/// <c>Stripe-Signature: t={unix},v1={hex HMAC-SHA256(secret, "{t}.{body}")}[,v1=…][,v0=…]</c> signs the exact bytes sent.
/// </summary>
public sealed partial class StripeEmulator
{
    /// <summary>The version Stripe.net 53.1.0 speaks; events carry it unless <see cref="StripeEmulatorOptions.ApiVersion"/> says otherwise.</summary>
    public const string DefaultApiVersion = "2026-10-28.endive";
    private static readonly JsonSerializerOptions EventJson = new() { WriteIndented = true };

    private readonly HttpClient _webhooks;
    private readonly List<StripeEventDelivery> _deliveries = [];
    private readonly List<Task> _pendingDeliveries = [];

    /// <summary>Every webhook delivery attempted, in order of completion.</summary>
    public IReadOnlyList<StripeEventDelivery> Deliveries => Snapshot(_deliveries);

    /// <summary>
    /// Posts an event of <paramref name="type"/> whose <c>data.object</c> is <paramref name="dataObject"/> (an emulated
    /// invoice, item, credit note or refund is sent in Stripe's shape; anything else is serialized as given) to
    /// <paramref name="targetUrl"/>, signed as <paramref name="signing"/> says (default: the configured secret, now).
    /// </summary>
    public Task<StripeEventDelivery> SendEventAsync(
        string targetUrl, string type, object dataObject, StripeEventSigning? signing = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(targetUrl);
        ArgumentException.ThrowIfNullOrEmpty(type);
        ArgumentNullException.ThrowIfNull(dataObject);
        object? snapshot;
        lock (_gate)
        {
            snapshot = StripeEmulatorJson.Of(dataObject);
        }

        return DeliverAsync(targetUrl, type, snapshot, signing ?? new StripeEventSigning(), null, cancellationToken);
    }

    /// <summary>
    /// The InvoicePayment (<c>inpay_…</c>) of a paid invoice in Stripe's shape, e.g. as the <c>data.object</c> of an
    /// <c>invoice_payment.paid</c> event for <see cref="SendEventAsync"/>.
    /// </summary>
    public IReadOnlyDictionary<string, object?> InvoicePaymentOf(EmulatedInvoice invoice)
    {
        ArgumentNullException.ThrowIfNull(invoice);
        lock (_gate)
        {
            return invoice.PaymentIntent is null
                ? throw new InvalidOperationException($"Invoice {invoice.Id} has no card payment.")
                : StripeEmulatorJson.InvoicePayment(invoice);
        }
    }

    /// <summary>Delivers an earlier delivery again, byte for byte with its signature: what Stripe's retries (or an attacker's replay) look like.</summary>
    public async Task<StripeEventDelivery> ResendAsync(StripeEventDelivery earlier, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(earlier);
        var delivery = await PostAsync(earlier.TargetUrl, earlier.EventId, earlier.Type, earlier.Payload, earlier.SignatureHeader, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            _deliveries.Add(delivery);
        }

        return delivery;
    }

    private async Task<StripeEventDelivery> PostAsync(string url, string eventId, string type, string payload, string header, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
        timeout.CancelAfter(_options.WebhookTimeout);
        try
        {
            using var message = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(payload, Encoding.UTF8) };
            message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
            message.Headers.TryAddWithoutValidation("Stripe-Signature", header);
            message.Headers.TryAddWithoutValidation("User-Agent", "Stripe/1.0 (+https://stripe.com/docs/webhooks)");
            using var response = await _webhooks.SendAsync(message, timeout.Token).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
            return new StripeEventDelivery(eventId, type, url, payload, header, (int)response.StatusCode, body, null);
        }
        catch (Exception ex) when (ex is HttpRequestException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return new StripeEventDelivery(eventId, type, url, payload, header, null, null, ex.Message);
        }
    }

    /// <summary>Waits until the automatic deliveries started so far have finished.</summary>
    public async Task WaitForDeliveriesAsync()
    {
        while (true)
        {
            Task[] pending;
            lock (_gate)
            {
                pending = [.. _pendingDeliveries.Where(t => !t.IsCompleted)];
            }

            if (pending.Length == 0)
            {
                return;
            }

            await Task.WhenAll(pending).ConfigureAwait(false);
        }
    }

    /// <summary>The header Stripe would send for <paramref name="payload"/> under <paramref name="signing"/>.</summary>
    public string SignatureHeader(string payload, StripeEventSigning? signing = null)
    {
        ArgumentNullException.ThrowIfNull(payload);
        signing ??= new StripeEventSigning();
        var timestamp = (signing.Timestamp ?? _time.GetUtcNow()).ToUnixTimeSeconds();
        var header = new StringBuilder($"t={timestamp}");
        foreach (var secret in new[] { signing.Secret ?? _options.WebhookSecret }.Concat(signing.AdditionalSecrets))
        {
            var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}.{payload}"));
            if (signing.Corrupt)
            {
                mac[0] ^= 0xFF;
            }

            header.Append(",v1=").Append(Convert.ToHexStringLower(mac));
        }

        if (signing.IncludeV0)
        {
            // Test-mode events carry a v0 too; it is not the v1 scheme and receivers must ignore it.
            var fake = HMACSHA256.HashData(Encoding.UTF8.GetBytes("v0:" + (signing.Secret ?? _options.WebhookSecret)), Encoding.UTF8.GetBytes(payload));
            header.Append(",v0=").Append(Convert.ToHexStringLower(fake));
        }

        return header.ToString();
    }

    /// <summary>
    /// Sends the events an API call caused in the background (as Stripe does, after answering), one at a time in the order
    /// they happened. Stripe itself does not promise order; to test out-of-order handling, use <see cref="SendEventAsync"/>.
    /// </summary>
    private void Deliver(List<PendingEvent> events, StripeEmulatorRequest cause)
    {
        var enabled = _options.EnabledEvents ?? StripeEmulatorOptions.DefaultEnabledEvents;
        events = events.Where(e => enabled.Contains(e.Type)).ToList();
        if (events.Count == 0 || _options.WebhookUrl is not { } url)
        {
            return;
        }

        lock (_gate)
        {
            var previous = _pendingDeliveries.LastOrDefault() ?? Task.CompletedTask;
            _pendingDeliveries.RemoveAll(t => t.IsCompleted);
            _pendingDeliveries.Add(Task.Run(async () =>
            {
                await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                foreach (var pending in events)
                {
                    await DeliverAsync(url, pending.Type, pending.DataObject, _options.AutoEventSigning, cause, _stopping.Token).ConfigureAwait(false);
                }
            }));
        }
    }

    private async Task<StripeEventDelivery> DeliverAsync(
        string url, string type, object? dataObject, StripeEventSigning signing, StripeEmulatorRequest? cause, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var eventId = NewId("evt_");
        var payload = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["id"] = eventId,
            ["object"] = "event",
            ["api_version"] = _options.ApiVersion ?? DefaultApiVersion,
            ["created"] = now.ToUnixTimeSeconds(),
            ["data"] = new Dictionary<string, object?> { ["object"] = dataObject },
            ["livemode"] = false,
            ["pending_webhooks"] = 1,
            ["request"] = new Dictionary<string, object?> { ["id"] = cause?.RequestId, ["idempotency_key"] = cause?.IdempotencyKey },
            ["type"] = type,
        }, EventJson);
        var header = SignatureHeader(payload, signing with { Timestamp = signing.Timestamp ?? now });
        var delivery = await PostAsync(url, eventId, type, payload, header, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            _deliveries.Add(delivery);
        }

        return delivery;
    }

    private sealed record PendingEvent(string Type, object DataObject);
}
