namespace PhoneSupport.Features.Billing;

/// <summary><c>PhoneSupport:Billing</c>.</summary>
public sealed class BillingOptions
{
    public const string Section = "PhoneSupport:Billing";

    /// <summary>
    /// How long a closed incident's charges wait before they are posted to Stripe, so a technician can still attach a
    /// follow-up call and the invoice goes out once, re-priced. Zero posts at once.
    /// </summary>
    public TimeSpan PostingDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often each instance looks for due outbox jobs.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a worker holds a job while talking to Stripe; a dead worker's job is taken over after it.</summary>
    public TimeSpan LeaseTime { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The first wait after a failed attempt; it doubles per attempt up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Jobs one pass of one worker takes at most.</summary>
    public int BatchSize { get; set; } = 20;

    /// <summary>Whether this instance runs the outbox worker loop (tests drive it by hand).</summary>
    public bool WorkerEnabled { get; set; } = true;

    /// <summary>How long an after-hours quote stays open for acceptance.</summary>
    public TimeSpan QuoteValidity { get; set; } = TimeSpan.FromHours(12);
}
