using Microsoft.EntityFrameworkCore;
using PhoneSupport.Data;
using PhoneSupport.Stripe;

namespace PhoneSupport.Features.Billing;

/// <summary>
/// Carries out an <c>undo</c> job (a waiver of charges already posted) in Stripe: an open or uncollectible invoice that
/// carries no other standing charge is voided; otherwise an open or paid invoice gets a credit note for the charge, with a
/// refund when it was paid. It waits while a posting of the same charges is under way. Idempotency keys derive from the charge.
/// </summary>
public sealed class ChargeReversal(PhoneSupportDb db, IStripeClient stripe, ChargeTrail trail)
{
    /// <summary>Works one undo job; what it changed is saved before it returns.</summary>
    public async Task<BillingJobOutcome> ReverseAsync(BillingJob job, CancellationToken ct)
    {
        var outcome = await ReverseChargesAsync(job, ct);
        await db.SaveChangesAsync(ct);
        return outcome;
    }

    private async Task<BillingJobOutcome> ReverseChargesAsync(BillingJob job, CancellationToken ct)
    {
        var charges = await db.Charges.Where(c => job.ChargeIds.Contains(c.Id)).ToListAsync(ct);
        // Wait for a posting of these charges still under way: it must finish (or give up) before it can be undone.
        var posting = await db.BillingJobs.AnyAsync(j => j.Kind != BillingJob.Undo && j.Status == BillingJobStatus.Pending && j.Attempts > 0 && j.ChargeIds.Any(id => job.ChargeIds.Contains(id)), ct);
        if (posting) return BillingJobOutcome.Later("waiting for the posting of this charge to finish");
        foreach (var charge in charges)
        {
            if (charge.StripeInvoiceId is not { } invoiceId) continue;
            var invoice = await stripe.RetrieveInvoiceAsync(invoiceId, cancellationToken: ct);
            if (invoice is null || invoice.Status is StripeInvoiceStatus.Draft or StripeInvoiceStatus.Void) continue;
            var siblings = await db.Charges.AsNoTracking().Where(c => c.StripeInvoiceId == invoiceId && c.Id != charge.Id && c.Status != ChargeState.Waived).CountAsync(ct);
            if (invoice.Status is StripeInvoiceStatus.Open or StripeInvoiceStatus.Uncollectible && siblings == 0)
            {
                var voided = await stripe.VoidInvoiceAsync(invoiceId, $"charge:{charge.Id}:void", ct);
                trail.Audit(charge, "stripe", "service", new { voidedInvoice = voided.Id, voided.Status });
            }
            else if (invoice.Status is StripeInvoiceStatus.Open or StripeInvoiceStatus.Paid)
            {
                var paid = invoice.Status == StripeInvoiceStatus.Paid;
                var note = await stripe.CreateCreditNoteAsync(new global::Stripe.CreditNoteCreateOptions
                {
                    Invoice = invoiceId,
                    Amount = charge.Amount,
                    Reason = "order_change",
                    Memo = Truncate($"Waived: {charge.WaivedReason}", 500),
                    RefundAmount = paid ? charge.Amount : null,
                    Metadata = new Dictionary<string, string> { ["charge_id"] = charge.Id.ToString(), ["incident_id"] = charge.IncidentId.ToString() },
                }, $"charge:{charge.Id}:credit", ct);
                // Since basil a credit note lists its refunds (refunds[i].refund), no longer one refund.
                var refund = note.Refunds?.Select(r => r.RefundId).FirstOrDefault(r => r is not null);
                charge.LearnStripe(creditNote: note.Id, refund: refund);
                trail.Audit(charge, "stripe", "service", new { creditNote = note.Id, refund, note.Amount });
            }
            await db.SaveChangesAsync(ct);
        }
        return BillingJobOutcome.Done();
    }

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max];
}
