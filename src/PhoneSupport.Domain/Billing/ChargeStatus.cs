namespace PhoneSupport.Domain.Billing;

/// <summary>
/// The life of a charge: <c>pending</c> → <c>posted</c> (its invoice item is in Stripe) → <c>invoiced</c> (the invoice is
/// finalized) → <c>paid</c>; or <c>failed</c> (payment declined or the invoice marked uncollectible), <c>voided</c>,
/// <c>refunded</c>, <c>waived</c> (by finance, whatever Stripe then does). A charge only ever moves forward in
/// <see cref="Order"/>: Stripe's events arrive late, twice and out of order, so a later <c>invoice.payment_failed</c>
/// never undoes <c>paid</c>, and a late <c>invoice.finalized</c> never undoes <c>paid</c> or <c>failed</c>. A failed
/// invoice can still be paid (a retry succeeded), which is why <c>paid</c> comes after <c>failed</c>.
/// </summary>
public static class ChargeStatus
{
    public const string Pending = "pending";
    public const string Posted = "posted";
    public const string Invoiced = "invoiced";
    public const string Failed = "failed";
    public const string Paid = "paid";
    public const string Voided = "voided";
    public const string Refunded = "refunded";
    public const string Waived = "waived";

    /// <summary>Every status, in the only order a charge may move through them.</summary>
    public static readonly IReadOnlyList<string> Order = [Pending, Posted, Invoiced, Failed, Paid, Voided, Refunded, Waived];

    public static bool IsKnown(string status) => Order.Contains(status);

    public static int Rank(string status) =>
        Order.IndexOf(status) is var rank and >= 0 ? rank : throw new ArgumentException($"Unknown charge status '{status}'.", nameof(status));

    /// <summary>Whether a charge in <paramref name="from"/> may become <paramref name="to"/>: strictly forward only.</summary>
    public static bool CanMove(string from, string to) => Rank(to) > Rank(from);

    /// <summary>What a Stripe event means for the charges on its invoice (null: nothing).</summary>
    public static string? ForStripeEvent(string eventType) => eventType switch
    {
        "invoice.finalized" => Invoiced,
        "invoice.paid" or "invoice.payment_succeeded" => Paid,
        "invoice.payment_failed" or "invoice.marked_uncollectible" => Failed,
        "invoice.voided" => Voided,
        "charge.refunded" => Refunded,
        _ => null,
    };

    private static int IndexOf(this IReadOnlyList<string> list, string value)
    {
        for (var i = 0; i < list.Count; i++)
            if (list[i] == value) return i;
        return -1;
    }
}
