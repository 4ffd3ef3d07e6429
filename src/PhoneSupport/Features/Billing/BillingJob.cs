using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NodaTime;
using PhoneSupport.Data;

namespace PhoneSupport.Features.Billing;

/// <summary>
/// A row of the transactional outbox (table <c>billing_outbox</c>), written in the same transaction as the charges it
/// posts (<see cref="Invoice"/>) or the waiver it carries out in Stripe (<see cref="Undo"/>). Workers on any instance
/// claim due rows with a lease; a dead worker's lease runs out and another takes over; Stripe's idempotency keys,
/// derived from the charge, make every repeated request a replay. Nothing is ever deleted: finance can see what was done.
/// </summary>
public sealed class BillingJob
{
    public const string Invoice = "invoice";
    public const string Undo = "undo";
    /// <summary>Monthly plans: post the charges as pending invoice items; a <see cref="Month"/> job invoices them later.</summary>
    public const string Item = "item";
    /// <summary>Monthly plans: one invoice for one customer's items of one calendar month.</summary>
    public const string Month = "month";

    private BillingJob() { }

    public BillingJob(Guid id, string kind, Guid? incidentId, Guid[] chargeIds, Instant now, Instant? notBefore = null)
    {
        Id = id;
        Kind = kind;
        IncidentId = incidentId;
        ChargeIds = chargeIds;
        Status = BillingJobStatus.Pending;
        NextAttemptAt = notBefore ?? now;
        CreatedAt = now;
    }

    public Guid Id { get; private set; }
    public string Kind { get; private set; } = Invoice;
    public Guid? IncidentId { get; private set; }
    public Guid[] ChargeIds { get; private set; } = [];
    /// <summary><c>pending</c>, <c>done</c>, <c>cancelled</c> (nothing left to do), <c>failed</c> (Stripe refused; finance sees why).</summary>
    public BillingJobStatus Status { get; private set; } = BillingJobStatus.Pending;
    public int Attempts { get; private set; }
    public Instant NextAttemptAt { get; private set; }
    public string? LeaseOwner { get; private set; }
    public Instant? LeaseUntil { get; private set; }
    public string? LastError { get; private set; }
    public Instant CreatedAt { get; private set; }
    public Instant? DoneAt { get; private set; }
    /// <summary><see cref="Month"/> jobs: whose items, and which month (<c>2026-08</c>, or <c>2026-08/2</c> for late items).</summary>
    public string? StripeCustomerId { get; private set; }
    public string? Period { get; private set; }

    public static BillingJob ForMonth(Guid id, string customer, string period, Guid[] chargeIds, Instant now)
    {
        var job = new BillingJob(id, Month, null, chargeIds, now) { StripeCustomerId = customer, Period = period };
        return job;
    }

    public void Finish(BillingJobStatus status, string? error, Instant now)
    {
        Status = status;
        LastError = error;
        DoneAt = now;
        LeaseOwner = null;
        LeaseUntil = null;
    }

    public void RetryAt(Instant at, string error)
    {
        NextAttemptAt = at;
        LastError = error;
        LeaseOwner = null;
        LeaseUntil = null;
    }
}

/// <summary>A Stripe event, stored once by its id (table <c>stripe_events</c>), with what it changed.</summary>
public sealed class StripeEventRecord
{
    private StripeEventRecord() { }

    public StripeEventRecord(string id, string type, Instant created, Instant receivedAt, string? objectId, string outcome, string payload)
    {
        Id = id;
        Type = type;
        Created = created;
        ReceivedAt = receivedAt;
        ObjectId = objectId;
        Outcome = outcome;
        Payload = payload;
    }

    public string Id { get; private set; } = "";
    public string Type { get; private set; } = "";
    public Instant Created { get; private set; }
    public Instant ReceivedAt { get; private set; }
    public string? ObjectId { get; private set; }
    public string Outcome { get; private set; } = "";
    public string Payload { get; private set; } = "{}";
}

internal sealed class BillingJobConfiguration : IEntityTypeConfiguration<BillingJob>
{
    public void Configure(EntityTypeBuilder<BillingJob> job)
    {
        job.ToTable("billing_outbox");
        job.Property(j => j.Status).HasConversion(s => s.Wire(), s => BillingStatuses.ParseJob(s));
        job.HasIndex(j => j.NextAttemptAt).HasDatabaseName("billing_outbox_due").HasFilter("status = 'pending'");
        job.HasIndex(j => new { j.StripeCustomerId, j.Period }).IsUnique().HasDatabaseName("billing_outbox_one_month").HasFilter("kind = 'month'");
        job.HasOne<Incident>().WithMany().HasForeignKey(j => j.IncidentId);
    }
}

internal sealed class StripeEventRecordConfiguration : IEntityTypeConfiguration<StripeEventRecord>
{
    public void Configure(EntityTypeBuilder<StripeEventRecord> e)
    {
        e.ToTable("stripe_events");
        e.Property(x => x.Id).ValueGeneratedNever();
        e.Property(x => x.Payload).HasColumnType("jsonb");
    }
}
