using System.ComponentModel.DataAnnotations;

namespace PhoneSupport.Stripe;

/// <summary>The <c>Stripe</c> configuration section (research/stripe.md §2).</summary>
public sealed class StripeOptions
{
    public const string Section = "Stripe";

    /// <summary><c>Stripe:SecretKey</c>: the API key sent as <c>Authorization: Bearer sk_…</c> (or a restricted <c>rk_…</c>).</summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "Stripe:SecretKey is required.")]
    public string SecretKey { get; set; } = "";

    /// <summary><c>Stripe:WebhookSecret</c>: the endpoint's signing secret (<c>whsec_…</c>), used as-is (not base64-decoded).</summary>
    public string? WebhookSecret { get; set; }

    /// <summary><c>Stripe:ApiBaseUrl</c>: where <c>/v1/…</c> lives; an emulator's URL in tests.</summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "Stripe:ApiBaseUrl is required.")]
    [Url(ErrorMessage = "Stripe:ApiBaseUrl must be an absolute URL.")]
    public string ApiBaseUrl { get; set; } = "https://api.stripe.com";

    /// <summary>
    /// <c>Stripe:ApiVersion</c>: the version Stripe.net sends as <c>Stripe-Version</c> is fixed by the library
    /// (<see cref="global::Stripe.StripeConfiguration.ApiVersion"/>, <c>2026-10-28.endive</c> for 53.1.0); this key only
    /// states it, and start-up fails when it names another one. Create the webhook endpoint with the same version: an event
    /// of another one is refused.
    /// </summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "Stripe:ApiVersion is required.")]
    public string ApiVersion { get; set; } = global::Stripe.StripeConfiguration.ApiVersion;

    /// <summary><c>Stripe:RequestTimeout</c>: the longest one HTTP attempt may take (the SDKs use 80 s).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:05:00", ErrorMessage = "Stripe:RequestTimeout must be between 10 ms and 5 minutes.")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// <c>Stripe:MaxRetries</c>: retries after the first attempt (same <c>Idempotency-Key</c> each time), ours on the injected
    /// <see cref="TimeProvider"/>; Stripe.net's own retries are off (decision 002).
    /// </summary>
    [Range(0, 10, ErrorMessage = "Stripe:MaxRetries must be between 0 and 10.")]
    public int MaxRetries { get; set; } = 2;

    /// <summary><c>Stripe:RetryBaseDelay</c>: the first backoff and the floor of every backoff; it doubles per retry.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00", ErrorMessage = "Stripe:RetryBaseDelay must be between 0 and 1 minute.")]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary><c>Stripe:RetryMaxDelay</c>: the cap on one backoff (the SDKs use 5 s).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00", ErrorMessage = "Stripe:RetryMaxDelay must be between 0 and 5 minutes.")]
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary><c>Stripe:WebhookTolerance</c>: how far a signature's <c>t</c> may be from now (the SDKs use 300 s).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00", ErrorMessage = "Stripe:WebhookTolerance must be between 0 and 1 day.")]
    public TimeSpan WebhookTolerance { get; set; } = StripeWebhookVerifier.DefaultTolerance;
}
