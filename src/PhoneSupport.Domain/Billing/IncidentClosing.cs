using System.Globalization;
using NodaTime;
using NodaTime.Text;
using PhoneSupport.Domain.Policies;

namespace PhoneSupport.Domain.Billing;

/// <summary>A charge the incident has already (its row as read): what it bills, where it stands, its version for the premise.</summary>
public sealed record ExistingCharge(Guid Id, string Kind, string Status, bool PostingStarted, string? WaivedBy, string? WaivedReason,
    int BilledSeconds, int Steps, long Amount, int Version)
{
    /// <summary>Handed to Stripe (or moved on from pending): its amount is frozen, more talk time becomes an adjustment.</summary>
    public bool IsFrozen => PostingStarted || Status != ChargeStatus.Pending;
}

/// <summary>The price the caller accepted on the call, when it was a bought block or a quote rather than the call's own rate.</summary>
public sealed record AcceptedPrice(Guid Id, Money RatePerHour, string Window, PurchasedBlock? Block);

/// <summary>
/// Everything closing an incident needs, read in one statement: the incident (followed through merges), whether every call
/// of it has ended and no callback is pending, its talk time, the entitlement its first call accepted, a purchase or quote of
/// that call, the account's Stripe customer and plan, the consent the caller gave, and the charges it has.
/// </summary>
public sealed record IncidentCloseFacts(
    Guid IncidentId, string CallSid, Guid? AccountId, string Provider, string Decision, string Window, string PolicyVersion,
    Instant OpenedAt, bool Open, int Version, bool CallsOpen, bool CallbacksOpen, int TalkSeconds,
    IReadOnlyDictionary<string, string> Entitlement, AcceptedPrice? Purchase, AcceptedPrice? Quote, string? StripeCustomer,
    string? Membership, long? ConsentEventId, IReadOnlyList<ExistingCharge> Charges)
{
    /// <summary>Open, every call ended, no callback pending: it closes now.</summary>
    public bool Closes => Open && !CallsOpen && !CallbacksOpen;
}

/// <summary>A new charge of the closing incident (refused ones are waived by the service with the reason, never posted).</summary>
public sealed record NewCharge(Guid Id, string Kind, string Window, Money RatePerHour, int BilledSeconds, int Steps, long Amount, long? ConsentEventId,
    string Origin, Guid? PurchaseId, Guid? QuoteId, string Description, string? StatusReason, bool Monthly, string? RefusedReason);

/// <summary>An unposted charge priced again (more talk time): its new figures, on the version read.</summary>
public sealed record RepricedCharge(ExistingCharge Before, int BilledSeconds, int Steps, long Amount, string Description);

/// <summary>
/// What closing writes: the incident closed with its talk time (on the version read), its claimed allowance committed, the
/// new and re-priced charges, and one posting job for everything unposted (replacing a job not yet picked up).
/// </summary>
public sealed record ClosePlan(Guid IncidentId, string CallSid, int ExpectedVersion, int TalkSeconds, string PolicyVersion, Guid? AccountId,
    string? StripeCustomer, IReadOnlyList<NewCharge> Created, IReadOnlyList<RepricedCharge> Repriced, ClosingJob? Job);

/// <summary>The posting job: <c>invoice</c> (per incident) or <c>item</c> (monthly plans), for these charges, not before this instant.</summary>
public sealed record ClosingJob(Guid Id, string Kind, IReadOnlyList<Guid> ChargeIds, Instant NotBefore);

/// <summary>
/// Closing an incident, pure: prices its talk time (<see cref="IncidentBilling"/>) and reconciles the price with the charges it
/// has. A charge nobody has started posting takes the new price (minus what frozen siblings already bill); a part already
/// billed at least as much stays; more than billed becomes an adjustment charge. No charge without the caller's recorded
/// consent: such a part becomes a charge waived by the service with <see cref="NoConsent"/>, once per part. Everything
/// unposted that bills something goes into one posting job for an account with a Stripe customer.
/// </summary>
public static class IncidentClosing
{
    /// <summary>Why a billable part without a recorded consent was never charged (the charge's waived reason).</summary>
    public const string NoConsent = "no recorded consent: the caller never accepted a price on this call, so it is not charged";

    public const string Invoice = "invoice";
    public const string Item = "item";

    /// <summary>The plan, or null when the incident does not close now (still open calls or callbacks, or already closed).</summary>
    /// <param name="policy">The policy of the incident's version (null: unknown provider; the incident closes without charges).</param>
    /// <param name="newId">Ids for new charges and the job (time-ordered in the service).</param>
    public static ClosePlan? Plan(IncidentCloseFacts facts, SupportPolicy? policy, Instant now, Duration postingDelay, Func<Guid> newId)
    {
        if (!facts.Closes) return null;
        var parts = Parts(facts, policy);
        var zone = policy?.Coverage.Zone ?? DateTimeZone.Utc;
        var customer = facts.AccountId is null ? null : facts.StripeCustomer;
        var monthly = facts.AccountId is not null && policy is not null && facts.Membership is { } membership
            && policy.Plan(membership)?.Invoicing == Invoicing.Monthly;
        var (origin, purchaseId, quoteId) = facts.Quote is { } q ? ("quote", (Guid?)null, (Guid?)q.Id)
            : facts.Purchase is { } p ? ("purchase", p.Id, null) : ("call", (Guid?)null, (Guid?)null);

        var created = new List<NewCharge>();
        var repriced = new List<RepricedCharge>();
        var toPost = new List<Guid>();
        foreach (var part in parts)
        {
            var description = Describe(part, facts.IncidentId, facts.OpenedAt, zone);
            var same = facts.Charges.Where(c => c.Kind == part.Kind || c.Kind.StartsWith(part.Kind + ":", StringComparison.Ordinal)).ToList();
            if (same.FirstOrDefault(c => !c.IsFrozen) is { } open)
            {
                // Not yet handed to Stripe: the new price replaces the old (minus what frozen siblings already bill).
                var frozen = same.Where(c => c.IsFrozen && c.Status != ChargeStatus.Waived).ToList();
                var (billed, steps, sum) = ((int)part.Billed.TotalSeconds - frozen.Sum(c => c.BilledSeconds), part.Steps - frozen.Sum(c => c.Steps),
                    part.Amount.Amount - frozen.Sum(c => c.Amount));
                var changed = open.BilledSeconds != billed || open.Steps != steps || open.Amount != sum;
                if (changed) repriced.Add(new RepricedCharge(open, billed, steps, sum, description));
                if ((changed ? sum : open.Amount) > 0 && customer is not null) toPost.Add(open.Id);
                continue;
            }

            var billedBefore = same.Where(c => c.Status != ChargeStatus.Waived).Sum(c => c.Amount);
            var delta = part.Amount.Amount - billedBefore;
            if (same.Count > 0 && delta <= 0) continue; // already billed at least this much
            var kind = same.Count == 0 ? part.Kind : $"{part.Kind}:adjustment{same.Count}";
            var (billedSeconds, partSteps) = ((int)part.Billed.TotalSeconds - same.Sum(c => c.BilledSeconds), part.Steps - same.Sum(c => c.Steps));
            if (facts.ConsentEventId is null)
            {
                // Consent by construction: finance sees the refused part as a charge waived by the service (one per part, however often it closes).
                if (same.Any(c => c.WaivedBy == "service" && c.WaivedReason == NoConsent)) continue;
                created.Add(new NewCharge(newId(), kind, part.Window.Name(), part.RatePerHour, billedSeconds, partSteps, delta, null,
                    origin, purchaseId, quoteId, description, null, false, NoConsent));
                continue;
            }
            var charge = new NewCharge(newId(), kind, part.Window.Name(), part.RatePerHour, billedSeconds, partSteps, delta, facts.ConsentEventId,
                origin, purchaseId, quoteId, same.Count == 0 ? description : $"Adjustment: {description}",
                customer is null ? "the account has no Stripe customer" : null, monthly, null);
            created.Add(charge);
            if (customer is not null) toPost.Add(charge.Id);
        }

        var job = toPost.Count == 0 ? null : new ClosingJob(newId(), monthly ? Item : Invoice, toPost, now + postingDelay);
        return new ClosePlan(facts.IncidentId, facts.CallSid, facts.Version, facts.TalkSeconds, facts.PolicyVersion, facts.AccountId, customer,
            created, repriced, job);
    }

    /// <summary>
    /// The incident's billable parts: the accepted quote's or purchase's rate and window, else the entitlement's rate, with the
    /// included talk time of an included incident; nothing when the decision, window or policy is unknown.
    /// </summary>
    public static IReadOnlyList<BillablePart> Parts(IncidentCloseFacts facts, SupportPolicy? policy)
    {
        var entitlement = facts.Entitlement;
        var currency = entitlement.GetValueOrDefault("currency") ?? policy?.Currency ?? "usd";
        Money? rate = facts.Quote?.RatePerHour ?? facts.Purchase?.RatePerHour
            ?? (entitlement.TryGetValue("ratePerHour", out var r) && long.TryParse(r, NumberStyles.Integer, CultureInfo.InvariantCulture, out var amount)
                ? new Money(amount, currency) : null);
        var included = entitlement.TryGetValue("includedTalkMinutes", out var m) && int.TryParse(m, NumberStyles.Integer, CultureInfo.InvariantCulture, out var minutes)
            ? Duration.FromMinutes(minutes) : (Duration?)null;
        if (policy is null || !Enum.TryParse<Decision>(facts.Decision, true, out var decision)
            || !Windows.TryParse(facts.Quote?.Window ?? facts.Purchase?.Window ?? facts.Window, out var window))
            return [];
        return IncidentBilling.Price(policy.Billing, decision, window, rate, included, Duration.FromSeconds(facts.TalkSeconds), facts.Purchase?.Block);
    }

    private static readonly ZonedDateTimePattern When = ZonedDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd HH':'mm x", null);

    /// <summary>The invoice line of a charge: when, which window, what was billed and at which rate.</summary>
    public static string Describe(BillablePart part, Guid incidentId, Instant openedAt, DateTimeZone zone)
    {
        var what = part.Kind switch
        {
            IncidentBilling.BeyondIncluded => "time beyond the included incident",
            IncidentBilling.Purchased => $"phone incident bought ({(int)part.Billed.TotalMinutes} minutes)",
            IncidentBilling.BeyondPurchased => "time beyond the bought phone incident",
            IncidentBilling.Quoted => "quoted phone support",
            _ => "phone support",
        };
        return string.Create(CultureInfo.InvariantCulture,
            $"{Capital(part.Window.Name())} {what}, {When.Format(openedAt.InZone(zone))}: {part.Steps} × {(int)(part.Billed.TotalMinutes / Math.Max(1, part.Steps))} min at {part.RatePerHour.Amount / 100m:0.00} {part.RatePerHour.Currency.ToUpperInvariant()}/h (incident {incidentId})");
    }

    private static string Capital(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
}
