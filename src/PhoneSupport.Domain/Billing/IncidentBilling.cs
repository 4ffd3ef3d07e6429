using NodaTime;
using PhoneSupport.Domain.Policies;

namespace PhoneSupport.Domain.Billing;

/// <summary>One billable part of an incident: the time charged, its window and rate, the started steps, the amount.</summary>
public sealed record BillablePart(string Kind, Window Window, Money RatePerHour, Duration Billed, int Steps, Money Amount);

/// <summary>A phone incident bought in advance: a block of talk time at a fixed price (e.g. 30 minutes for $42.50).</summary>
public sealed record PurchasedBlock(Duration Minutes, Money Price);

/// <summary>
/// Prices a closed incident from its talk time and the entitlement the caller accepted. An included incident
/// is free up to its included talk time, and the time beyond is charged at the window's rate; a priced call
/// is charged in full. Charged time is rounded up to started steps (30 minutes), at least the minimum.
/// Worked examples (PRODUCT.md): included, 2 h 40 min → 40 min over → 2 steps → $120.00; a third night
/// incident of 40 min → $120.00; holiday, 10 min beyond the allowance → 1 step → $130.00.
/// A bought block is charged at its price once a technician was connected (whatever the talk time), and the time
/// beyond it at the same rate in steps (consented at purchase); an accepted quote bills the talk time at the quoted rate.
/// </summary>
public static class IncidentBilling
{
    public const string BeyondIncluded = "beyondIncluded";
    public const string Priced = "priced";
    public const string Purchased = "purchased";
    public const string BeyondPurchased = "beyondPurchased";
    public const string Quoted = "quoted";

    public static IReadOnlyList<BillablePart> Price(BillingRule billing, Decision decision, Window window, Money? ratePerHour, Duration? includedTalk, Duration talk,
        PurchasedBlock? block = null)
    {
        if (ratePerHour is not { } rate || talk <= Duration.Zero) return [];
        switch (decision)
        {
            case Decision.PurchaseRequired when block is not null:
                var bought = new BillablePart(Purchased, window, rate, block.Minutes, billing.Steps(block.Minutes), block.Price);
                var beyond = talk - block.Minutes;
                return beyond > Duration.Zero ? [bought, Part(BeyondPurchased, billing, window, rate, beyond)] : [bought];
            case Decision.QuoteRequired:
                return [Part(Quoted, billing, window, rate, talk)];
            case Decision.LiveRouteUsingIncluded:
                var over = talk - (includedTalk ?? Duration.Zero);
                if (over <= Duration.Zero) return [];
                return [Part(BeyondIncluded, billing, window, rate, over)];
            case Decision.LiveRouteWithPrice:
                return [Part(Priced, billing, window, rate, talk)];
            default:
                return [];
        }
    }

    private static BillablePart Part(string kind, BillingRule billing, Window window, Money rate, Duration billed) =>
        new(kind, window, rate, billed, billing.Steps(billed), billing.Price(rate, billed));
}
