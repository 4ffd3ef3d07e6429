namespace PhoneSupport.Emulators.Stripe;

/// <summary>How a <see cref="StripeEmulator"/> behaves.</summary>
public sealed class StripeEmulatorOptions
{
    /// <summary>The API key accepted, as <c>Authorization: Bearer sk_…</c> or as the Basic user with an empty password.</summary>
    public required string SecretKey { get; init; }

    /// <summary>The secret that signs webhooks (<c>whsec_…</c>), used as-is as the HMAC key.</summary>
    public string WebhookSecret { get; init; } = "whsec_emulator_secret";

    /// <summary>When set, a request whose <c>Stripe-Version</c> differs is refused (400); null accepts any. Also the events' <c>api_version</c>.</summary>
    public string? ApiVersion { get; init; }

    /// <summary>When set, <c>invoice.finalized</c>, <c>invoice.paid</c>, <c>invoice.payment_failed</c>, <c>invoice.voided</c> and
    /// <c>invoice.marked_uncollectible</c> and <c>charge.refunded</c> are posted there, signed, after the API call that caused them.</summary>
    public string? WebhookUrl { get; init; }

    /// <summary>
    /// The event types posted to <see cref="WebhookUrl"/>, as a webhook endpoint's <c>enabled_events</c>; null: those above.
    /// <c>invoice_payment.paid</c> (the payment of an invoice, since <c>2025-05-28.basil</c>) is sent only when listed here.
    /// </summary>
    public IReadOnlyCollection<string>? EnabledEvents { get; init; }

    /// <summary>The types sent when <see cref="EnabledEvents"/> is null.</summary>
    public static readonly IReadOnlyCollection<string> DefaultEnabledEvents =
        ["invoice.finalized", "invoice.paid", "invoice.payment_failed", "invoice.voided", "invoice.marked_uncollectible", "charge.refunded"];

    /// <summary>How automatically sent events are signed.</summary>
    public StripeEventSigning AutoEventSigning { get; init; } = new();

    /// <summary>Clock for <c>created</c>, request stamps and signature timestamps.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>The port on 127.0.0.1; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>How long a webhook receiver may take to answer.</summary>
    public TimeSpan WebhookTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How webhooks reach the receiver; default real sockets. Tests may pass an in-memory test server's handler.</summary>
    public Func<HttpMessageHandler>? WebhookHandler { get; init; }

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrEmpty(SecretKey);
        ArgumentException.ThrowIfNullOrEmpty(WebhookSecret);
        ArgumentNullException.ThrowIfNull(TimeProvider);
        ArgumentNullException.ThrowIfNull(AutoEventSigning);
        ArgumentOutOfRangeException.ThrowIfNegative(Port);
        if (WebhookUrl is not null && !Uri.TryCreate(WebhookUrl, UriKind.Absolute, out _))
        {
            throw new ArgumentException("WebhookUrl must be an absolute URL.", nameof(WebhookUrl));
        }
    }
}
