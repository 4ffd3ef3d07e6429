using NodaTime;
using PhoneSupport.Domain.Billing;
using PhoneSupport.Domain.Policies;
using PhoneSupport.Domain.Tests.Policies;

namespace PhoneSupport.Domain.Tests.Billing;

/// <summary>
/// Closing an incident as a pure plan: the price of its talk time reconciled with the charges it already has (PRODUCT.md's
/// worked example: an included night incident of 2 h 40 min bills 40 minutes over, 2 steps at $120/h = $120.00).
/// </summary>
public sealed class IncidentClosingTests
{
    private static readonly Instant Opened = ShippedPolicies.Eastern(2026, 7, 11, 23, 0);
    private static readonly Instant Now = Opened + Duration.FromHours(3);
    private static readonly Guid Incident = Guid.Parse("0190a000-0000-7000-8000-000000000001");

    private static IncidentCloseFacts Facts(int talkMinutes, IReadOnlyList<ExistingCharge>? charges = null, long? consent = 42, bool callsOpen = false,
        string? customer = "cus_1", AcceptedPrice? purchase = null, string decision = "liveRouteUsingIncluded") => new(
        Incident, "CA1", Guid.Parse("0190a000-0000-7000-8000-0000000000aa"), "constellix", decision, "night", "v1", Opened, true, 3, callsOpen, false,
        talkMinutes * 60, new Dictionary<string, string> { ["ratePerHour"] = "12000", ["currency"] = "usd", ["includedTalkMinutes"] = "120" },
        purchase, null, customer, "Corporate", consent, charges ?? []);

    private static ClosePlan Plan(IncidentCloseFacts facts)
    {
        var ids = 0;
        return IncidentClosing.Plan(facts, ShippedPolicies.Constellix, Now, Duration.FromMinutes(5), () => Guid.Parse($"0190b000-0000-7000-8000-{++ids:D12}"))!;
    }

    [Fact]
    public void An_included_night_incident_of_2h40_bills_40_minutes_over_as_two_steps_of_120_dollars_and_posts_it_after_the_delay()
    {
        var plan = Plan(Facts(160));

        var charge = Assert.Single(plan.Created);
        Assert.Equal((IncidentBilling.BeyondIncluded, 2400, 2, 12000L, 42L, (string?)null), (charge.Kind, charge.BilledSeconds, charge.Steps, charge.Amount, charge.ConsentEventId, charge.RefusedReason));
        Assert.Equal((3, 9600, "v1"), (plan.ExpectedVersion, plan.TalkSeconds, plan.PolicyVersion));
        Assert.Equal((IncidentClosing.Invoice, Now + Duration.FromMinutes(5)), (plan.Job!.Kind, plan.Job.NotBefore));
        Assert.Equal([charge.Id], plan.Job.ChargeIds);
        Assert.Equal($"Night time beyond the included incident, 2026-07-11 23:00 EDT: 2 × 20 min at 120.00 USD/h (incident {Incident})", charge.Description);
    }

    [Fact]
    public void An_incident_with_a_call_still_up_does_not_close()
    {
        Assert.Null(IncidentClosing.Plan(Facts(160, callsOpen: true), ShippedPolicies.Constellix, Now, Duration.Zero, Guid.NewGuid));
        Assert.Null(IncidentClosing.Plan(Facts(160) with { Open = false }, ShippedPolicies.Constellix, Now, Duration.Zero, Guid.NewGuid));
    }

    [Fact]
    public void More_talk_time_reprices_an_unposted_charge_on_its_version_and_posts_it_again()
    {
        var unposted = new ExistingCharge(Guid.NewGuid(), IncidentBilling.BeyondIncluded, ChargeStatus.Pending, false, null, null, 2400, 2, 12000, 4);

        var plan = Plan(Facts(200, [unposted]));

        Assert.Empty(plan.Created);
        var repriced = Assert.Single(plan.Repriced);
        Assert.Equal((unposted, 4800, 3, 18000L), (repriced.Before, repriced.BilledSeconds, repriced.Steps, repriced.Amount));
        Assert.Equal([unposted.Id], plan.Job!.ChargeIds);
    }

    [Fact]
    public void More_talk_time_after_posting_started_becomes_an_adjustment_for_the_difference_only()
    {
        var posted = new ExistingCharge(Guid.NewGuid(), IncidentBilling.BeyondIncluded, ChargeStatus.Posted, true, null, null, 2400, 2, 12000, 7);

        var plan = Plan(Facts(200, [posted]));

        Assert.Empty(plan.Repriced);
        var adjustment = Assert.Single(plan.Created);
        Assert.Equal(("beyondIncluded:adjustment1", 2400, 1, 6000L), (adjustment.Kind, adjustment.BilledSeconds, adjustment.Steps, adjustment.Amount));
        Assert.StartsWith("Adjustment: ", adjustment.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void The_same_talk_time_again_changes_nothing()
    {
        var posted = new ExistingCharge(Guid.NewGuid(), IncidentBilling.BeyondIncluded, ChargeStatus.Paid, true, null, null, 2400, 2, 12000, 9);

        var plan = Plan(Facts(160, [posted]));

        Assert.Equal((0, 0, (ClosingJob?)null), (plan.Created.Count, plan.Repriced.Count, plan.Job));
    }

    [Fact]
    public void Without_a_recorded_consent_the_part_is_refused_once_and_never_posted()
    {
        var first = Plan(Facts(160, consent: null));
        var refused = Assert.Single(first.Created);
        Assert.Equal((IncidentClosing.NoConsent, (long?)null, (ClosingJob?)null), (refused.RefusedReason, refused.ConsentEventId, first.Job));

        var existing = new ExistingCharge(refused.Id, refused.Kind, ChargeStatus.Waived, false, "service", IncidentClosing.NoConsent, refused.BilledSeconds, refused.Steps, refused.Amount, 1);
        var again = Plan(Facts(200, [existing], consent: null));
        Assert.Empty(again.Created);
    }

    [Fact]
    public void An_account_without_a_Stripe_customer_gets_the_charge_with_the_reason_and_no_posting_job()
    {
        var plan = Plan(Facts(160, customer: null));

        Assert.Equal("the account has no Stripe customer", Assert.Single(plan.Created).StatusReason);
        Assert.Null(plan.Job);
    }

    [Fact]
    public void A_bought_block_is_charged_at_its_price_and_the_time_beyond_it_at_the_same_rate()
    {
        var block = new AcceptedPrice(Guid.NewGuid(), new Money(12000, "usd"), "night", new PurchasedBlock(Duration.FromMinutes(30), new Money(4250, "usd")));

        var plan = Plan(Facts(50, purchase: block, decision: "purchaseRequired"));

        Assert.Equal([(IncidentBilling.Purchased, 4250L, "purchase"), (IncidentBilling.BeyondPurchased, 6000L, "purchase")],
            plan.Created.Select(c => (c.Kind, c.Amount, c.Origin)));
        Assert.All(plan.Created, c => Assert.Equal(block.Id, c.PurchaseId));
    }
}
