using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NodaTime;
using PhoneSupport.Data;
using PhoneSupport.Domain.Billing;

namespace PhoneSupport.Features.Billing;

/// <summary>
/// A billable part of a closed incident (table <c>charges</c>): what was charged, why (window, rate, steps, the consent
/// that authorised it, the policy version) and where it stands in Stripe. Its status only moves forward
/// (<see cref="ChargeStatus"/>); every move is written to <c>charge_events</c> by whoever makes it.
/// </summary>
public sealed class Charge
{
    private Charge() { }

    public Charge(Guid id, Guid incidentId, Guid? accountId, string kind, string window, long ratePerHour, string currency,
        int billedSeconds, int steps, long amount, long? consentEventId, string policyVersion, string? statusReason, Instant now)
    {
        Id = id;
        IncidentId = incidentId;
        AccountId = accountId;
        Kind = kind;
        Window = window;
        RatePerHour = ratePerHour;
        Currency = currency;
        BilledSeconds = billedSeconds;
        Steps = steps;
        Amount = amount;
        ConsentEventId = consentEventId;
        PolicyVersion = policyVersion;
        Status = ChargeState.Pending;
        StatusReason = statusReason;
        CreatedAt = now;
        UpdatedAt = now;
    }

    public Guid Id { get; private set; }
    public Guid IncidentId { get; private set; }
    public Guid? AccountId { get; private set; }
    public string Kind { get; private set; } = "";
    public string Window { get; private set; } = "";
    public long RatePerHour { get; private set; }
    public string Currency { get; private set; } = "";
    public int BilledSeconds { get; private set; }
    public int Steps { get; private set; }
    public long Amount { get; private set; }
    public long? ConsentEventId { get; private set; }
    public string PolicyVersion { get; private set; } = "";
    public ChargeState Status { get; private set; } = ChargeState.Pending;
    public string? StatusReason { get; private set; }
    public Instant CreatedAt { get; private set; }
    public Instant UpdatedAt { get; private set; }

    /// <summary><c>call</c> (consented on the call), <c>purchase</c> or <c>quote</c>.</summary>
    public string Origin { get; private set; } = "call";
    public Guid? PurchaseId { get; private set; }
    public Guid? QuoteId { get; private set; }
    /// <summary>The line finance and the customer read on the invoice.</summary>
    public string Description { get; private set; } = "";
    /// <summary>Set when the outbox first started posting it: from then on its amount is frozen (a retry must send the same).</summary>
    public Instant? PostingStartedAt { get; private set; }
    public string? StripeCustomerId { get; private set; }
    public string? StripeInvoiceItemId { get; private set; }
    public string? StripeInvoiceId { get; private set; }
    public string? StripeInvoiceNumber { get; private set; }
    public string? StripePaymentIntentId { get; private set; }
    public string? StripeChargeId { get; private set; }
    public string? StripeCreditNoteId { get; private set; }
    public string? StripeRefundId { get; private set; }
    public string? WaivedReason { get; private set; }
    public string? WaivedBy { get; private set; }
    public Instant? WaivedAt { get; private set; }
    public int Version { get; private set; }
    /// <summary><c>perIncident</c> or <c>monthly</c>: the plan's choice when the charge was made.</summary>
    public string Invoicing { get; private set; } = "perIncident";

    public bool IsFrozen => PostingStartedAt is not null || Status != ChargeState.Pending;

    public Charge From(string origin, Guid? purchaseId, Guid? quoteId, string description, string? stripeCustomerId)
    {
        Origin = origin;
        PurchaseId = purchaseId;
        QuoteId = quoteId;
        Description = description;
        StripeCustomerId = stripeCustomerId;
        return this;
    }

    public void StartPosting(Instant now)
    {
        PostingStartedAt ??= now;
        Version++;
    }

    public void LearnStripe(string? invoiceItem = null, string? invoice = null, string? number = null, string? paymentIntent = null,
        string? charge = null, string? creditNote = null, string? refund = null)
    {
        StripeInvoiceItemId = invoiceItem ?? StripeInvoiceItemId;
        StripeInvoiceId = invoice ?? StripeInvoiceId;
        StripeInvoiceNumber = number ?? StripeInvoiceNumber;
        StripePaymentIntentId = paymentIntent ?? StripePaymentIntentId;
        StripeChargeId = charge ?? StripeChargeId;
        StripeCreditNoteId = creditNote ?? StripeCreditNoteId;
        StripeRefundId = refund ?? StripeRefundId;
        Version++;
    }

    /// <summary>Moves forward to <paramref name="status"/>; false (and nothing changed) when it is not forward.</summary>
    public bool MoveTo(ChargeState status, string? reason, Instant now)
    {
        if (!ChargeStatus.CanMove(Status.Wire(), status.Wire())) return false;
        Status = status;
        StatusReason = reason;
        UpdatedAt = now;
        Version++;
        return true;
    }

    /// <summary>Notes why a charge is stuck where it is (no Stripe customer, Stripe refused it), without moving it.</summary>
    public void Explain(string? reason, Instant now)
    {
        StatusReason = reason;
        UpdatedAt = now;
        Version++;
    }

    public bool Waive(string reason, string actor, Instant now)
    {
        if (!MoveTo(ChargeState.Waived, $"waived: {reason}", now)) return false;
        (WaivedReason, WaivedBy, WaivedAt) = (reason, actor, now);
        return true;
    }
}

/// <summary>One line of a charge's audit trail (table <c>charge_events</c>).</summary>
public sealed class ChargeEvent
{
    private ChargeEvent() { }

    public ChargeEvent(Guid chargeId, Instant at, string kind, string? fromStatus, string? toStatus, string actor, string detail)
    {
        ChargeId = chargeId;
        At = at;
        Kind = kind;
        FromStatus = fromStatus;
        ToStatus = toStatus;
        Actor = actor;
        Detail = detail;
    }

    public long Id { get; private set; }
    public Guid ChargeId { get; private set; }
    public Instant At { get; private set; }
    /// <summary><c>created</c>, <c>repriced</c>, <c>status</c>, <c>stripe</c>, <c>waived</c>, <c>error</c>.</summary>
    public string Kind { get; private set; } = "";
    public string? FromStatus { get; private set; }
    public string? ToStatus { get; private set; }
    /// <summary><c>service</c>, <c>stripe:evt_…</c>, or the API key / staff user that acted.</summary>
    public string Actor { get; private set; } = "";
    public string Detail { get; private set; } = "{}";
}

internal sealed class ChargeConfiguration : IEntityTypeConfiguration<Charge>
{
    public void Configure(EntityTypeBuilder<Charge> charge)
    {
        charge.ToTable("charges");
        charge.Property(c => c.Version).IsConcurrencyToken();
        charge.Property(c => c.Status).HasConversion(s => s.Wire(), s => BillingStatuses.ParseCharge(s));
        charge.Ignore(c => c.IsFrozen);
        charge.HasIndex(c => new { c.IncidentId, c.Kind }).IsUnique().HasDatabaseName("charges_incident_kind_key");
        charge.HasIndex(c => new { c.AccountId, c.CreatedAt }).HasDatabaseName("charges_account");
        charge.HasIndex(c => new { c.Status, c.CreatedAt }).HasDatabaseName("charges_status");
        charge.HasIndex(c => c.CreatedAt).HasDatabaseName("charges_created");
        charge.HasIndex(c => c.CreatedAt).HasDatabaseName("charges_monthly_uninvoiced").HasFilter("invoicing = 'monthly' and stripe_invoice_id is null");
        charge.HasIndex(c => c.StripeInvoiceId).HasDatabaseName("charges_stripe_invoice").HasFilter("stripe_invoice_id is not null");
        charge.HasOne<Incident>().WithMany().HasForeignKey(c => c.IncidentId);
        charge.HasOne<Accounts.Account>().WithMany().HasForeignKey(c => c.AccountId);
        charge.HasOne<CallCore.CallEventRecord>().WithMany().HasForeignKey(c => c.ConsentEventId);
        charge.HasOne<Purchase>().WithMany().HasForeignKey(c => c.PurchaseId).HasConstraintName("charges_purchase_fk");
        charge.HasOne<Quote>().WithMany().HasForeignKey(c => c.QuoteId).HasConstraintName("charges_quote_fk");
    }
}

internal sealed class ChargeEventConfiguration : IEntityTypeConfiguration<ChargeEvent>
{
    public void Configure(EntityTypeBuilder<ChargeEvent> e)
    {
        e.ToTable("charge_events");
        e.Property(x => x.Id).UseIdentityAlwaysColumn();
        e.Property(x => x.Detail).HasColumnType("jsonb");
        e.HasIndex(x => new { x.ChargeId, x.Id }).HasDatabaseName("charge_events_charge");
        e.HasOne<Charge>().WithMany().HasForeignKey(x => x.ChargeId).OnDelete(DeleteBehavior.Cascade);
    }
}
