using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using PhoneSupport.Data;
using PhoneSupport.Domain.Billing;

namespace PhoneSupport.Features.Billing;

/// <summary>What a waiver did.</summary>
public enum WaiveOutcome { Waived, AlreadyWaived, NotFound, NotWaivable }

/// <summary>
/// Finance waives a charge with a reason (audited: who, when, why). The Stripe side follows its state: not yet posted →
/// nothing (a job not yet picked up is cancelled); on an unpaid invoice → the invoice is voided (or credited, when it
/// carries other charges that stand); paid → a credit note with a refund. The Stripe part is an outbox job written in
/// the same transaction as the waiver, so it is carried out even if this instance dies right after answering.
/// </summary>
public sealed class ChargeWaiver(PhoneSupportDb db, IClock clock, Audit.AuditLog audit)
{
    public async Task<(WaiveOutcome Outcome, Charge? Charge, string? Why)> WaiveAsync(Guid chargeId, string reason, string actor, CancellationToken ct)
    {
        var strategy = db.Database.CreateExecutionStrategy();
        return await strategy.ExecuteAsync<(WaiveOutcome, Charge?, string?)>(async () =>
        {
            db.ChangeTracker.Clear();
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var charge = await db.Charges.FromSql($"select * from charges where id = {chargeId} for update").SingleOrDefaultAsync(ct);
            if (charge is null) return (WaiveOutcome.NotFound, null, null);
            if (charge.Status == ChargeState.Waived) return (WaiveOutcome.AlreadyWaived, charge, null);
            if (charge.Status is ChargeState.Voided or ChargeState.Refunded)
                return (WaiveOutcome.NotWaivable, charge, $"The charge is already {charge.Status.Wire()} in Stripe: nothing is left to waive.");

            var now = clock.GetCurrentInstant();
            var from = charge.Status;
            charge.Waive(reason, actor, now);
            db.ChargeEvents.Add(new ChargeEvent(charge.Id, now, "waived", from.Wire(), ChargeStatus.Waived, actor, JsonSerializer.Serialize(new { reason, stripeSide = Side(charge) })));

            // A posting job nobody has started: cancel it (or narrow it to the charges that still stand).
            var unstarted = await db.BillingJobs.Where(j => (j.Kind == BillingJob.Invoice || j.Kind == BillingJob.Item) && j.Status == BillingJobStatus.Pending && j.Attempts == 0 && j.LeaseOwner == null && j.ChargeIds.Contains(charge.Id)).ToListAsync(ct);
            foreach (var job in unstarted)
            {
                var others = job.ChargeIds.Where(id => id != charge.Id).ToArray();
                job.Finish(BillingJobStatus.Cancelled, $"charge {charge.Id} waived by {actor}", now);
                if (others.Length > 0) db.BillingJobs.Add(new BillingJob(Guid.CreateVersion7(), job.Kind, job.IncidentId, others, now, job.NextAttemptAt));
            }
            if (charge.PostingStartedAt is not null && unstarted.Count == 0)
                db.BillingJobs.Add(new BillingJob(Guid.CreateVersion7(), BillingJob.Undo, charge.IncidentId, [charge.Id], now));
            audit.Record("charge", charge.Id, "waived", new { status = from.Wire() }, new { status = charge.Status.Wire(), reason });
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            return (WaiveOutcome.Waived, charge, null);
        });
    }

    private static string Side(Charge charge) => charge.PostingStartedAt is null ? "nothing: it was never posted"
        : charge.StripeInvoiceId is null ? "the posting is stopped before an invoice exists"
        : "an undo job voids its open invoice, or credits and refunds it when paid";
}
