using Microsoft.EntityFrameworkCore;
using NodaTime;
using PhoneSupport.Data;
using PhoneSupport.Stripe;
using StripeInvoice = Stripe.Invoice;

namespace PhoneSupport.Features.Billing;

/// <summary>
/// Posts the charges of an <c>invoice</c>, <c>item</c> or <c>month</c> job to Stripe: an invoice item per charge (metadata
/// links incident and charge); then, except for <c>item</c> jobs (monthly plans: the month's job invoices them), a draft
/// invoice with <c>pending_invoice_items_behavior=exclude</c>, the items attached, finalized, paid with the saved card.
/// Each step's Stripe id is stored as soon as it is known and every request carries an <c>Idempotency-Key</c> derived from
/// the charge or the job, so a retry — after a 500, a timeout or a crash — resumes where it stopped and can never bill twice.
/// </summary>
public sealed class InvoicePosting(PhoneSupportDb db, IStripeClient stripe, ChargeTrail trail, IClock clock)
{
    /// <summary>Works one posting job; what it changed is saved before it returns.</summary>
    public async Task<BillingJobOutcome> PostAsync(BillingJob job, CancellationToken ct)
    {
        var outcome = await PostChargesAsync(job, ct);
        await db.SaveChangesAsync(ct);
        return outcome;
    }

    private async Task<BillingJobOutcome> PostChargesAsync(BillingJob job, CancellationToken ct)
    {
        var charges = await db.Charges.Where(c => job.ChargeIds.Contains(c.Id)).OrderBy(c => c.CreatedAt).ThenBy(c => c.Kind).ToListAsync(ct);
        var live = charges.Where(c => c.Status != ChargeState.Waived).ToList();
        if (live.Count == 0) return BillingJobOutcome.Cancelled("every charge was waived before it was posted");
        var customer = job.StripeCustomerId ?? live.Select(c => c.StripeCustomerId).FirstOrDefault(c => c is not null)
            ?? await db.Accounts.Where(a => a.Id == live[0].AccountId).Select(a => a.StripeCustomerId).FirstOrDefaultAsync(ct);
        if (customer is null)
        {
            await trail.ExplainAsync(job, "the account has no Stripe customer", ct);
            return BillingJobOutcome.Failed("the account has no Stripe customer");
        }
        var incidents = await db.Incidents.AsNoTracking().Where(i => live.Select(c => c.IncidentId).Contains(i.Id)).ToDictionaryAsync(i => i.Id, ct);

        // 1. One invoice item per charge, pending until attached.
        foreach (var charge in live.Where(c => c.StripeInvoiceItemId is null))
        {
            var incident = incidents[charge.IncidentId];
            var item = await stripe.CreateInvoiceItemAsync(new global::Stripe.InvoiceItemCreateOptions
            {
                Customer = customer,
                Amount = charge.Amount,
                Currency = charge.Currency.ToLowerInvariant(),
                Description = charge.Description,
                Period = new global::Stripe.InvoiceItemPeriodOptions
                {
                    Start = incident.OpenedAt.ToDateTimeUtc(),
                    End = (incident.ClosedAt ?? incident.OpenedAt).ToDateTimeUtc(),
                },
                Metadata = Metadata(charge, incident),
            }, $"charge:{charge.Id}:item", ct);
            charge.LearnStripe(invoiceItem: item.Id);
            trail.Move(charge, ChargeState.Posted, null, "service", new { invoiceItem = item.Id });
            await db.SaveChangesAsync(ct);
        }

        if (job.Kind == BillingJob.Item) return BillingJobOutcome.Done(); // monthly: the month's job invoices them

        // 2. A draft invoice that takes exactly these items.
        var invoiceId = live.Select(c => c.StripeInvoiceId).FirstOrDefault(i => i is not null);
        if (invoiceId is null)
        {
            var metadata = new Dictionary<string, string> { ["billing_job_id"] = job.Id.ToString() };
            if (job.IncidentId is { } incidentId) metadata["incident_id"] = incidentId.ToString();
            if (job.Period is { } period) metadata["period"] = period;
            var chargeIds = string.Join(",", live.Select(c => c.Id));
            if (chargeIds.Length <= 500) metadata["charge_ids"] = chargeIds;
            var draft = await stripe.CreateInvoiceAsync(new global::Stripe.InvoiceCreateOptions
            {
                Customer = customer,
                CollectionMethod = "charge_automatically",
                PendingInvoiceItemsBehavior = "exclude",
                AutoAdvance = false,
                Currency = live[0].Currency.ToLowerInvariant(),
                Description = job.Period is { } month ? $"Phone support, {month}" : $"Phone support incident {job.IncidentId}",
                Metadata = metadata,
            }, $"job:{job.Id}:invoice", ct);
            invoiceId = draft.Id;
            foreach (var charge in live) charge.LearnStripe(invoice: invoiceId);
            await db.SaveChangesAsync(ct);
        }

        var invoice = await stripe.RetrieveInvoiceAsync(invoiceId, cancellationToken: ct) ?? throw new InvalidOperationException($"Stripe lost invoice {invoiceId}.");
        if (invoice.Status == StripeInvoiceStatus.Draft)
        {
            // Since 2025-03-31.basil a line names its item in parent.invoice_item_details.invoice_item.
            var attached = (invoice.Lines?.Data ?? []).Select(l => l.Parent?.InvoiceItemDetails?.InvoiceItem).ToHashSet();
            var missing = live.Where(c => !attached.Contains(c.StripeInvoiceItemId)).Select(c => c.StripeInvoiceItemId!).ToList();
            // Stripe takes at most 250 lines per add_lines call (and the first page of lines lists 10; a replayed key answers the same).
            for (var chunk = 0; chunk * 250 < missing.Count; chunk++)
                invoice = await stripe.AddInvoiceLinesAsync(invoiceId, missing.Skip(chunk * 250).Take(250).ToList(), chunk == 0 ? $"job:{job.Id}:lines" : $"job:{job.Id}:lines:{chunk}", ct);
            // Waived while we were posting: leave the draft unfinalized (a draft is never charged) and stop.
            await ReloadAsync(live, ct);
            if (live.All(c => c.Status == ChargeState.Waived)) return BillingJobOutcome.Cancelled("waived while posting; the draft invoice was left unfinalized");
            invoice = await stripe.FinalizeInvoiceAsync(invoiceId, $"job:{job.Id}:finalize", autoAdvance: false, ct);
        }
        Learn(live, invoice, "service");
        await db.SaveChangesAsync(ct);

        if (invoice.Status == StripeInvoiceStatus.Open)
        {
            try
            {
                invoice = await stripe.PayInvoiceAsync(invoiceId, $"job:{job.Id}:pay", cancellationToken: ct);
            }
            catch (StripeApiException e) when (e.Status == 402 || e.IsCardError)
            {
                var reason = $"payment declined: {e.DeclineCode ?? e.Code ?? e.Message}";
                foreach (var charge in live)
                {
                    // Stripe's invoice.payment_failed may have got here first (its reason has no decline code): ours is more
                    // precise, whichever came first, so a charge already failed still gets it.
                    if (!trail.Move(charge, ChargeState.Failed, reason, "service", new { invoice = invoiceId, e.Code, e.DeclineCode }) && charge.Status == ChargeState.Failed)
                        charge.Explain(reason, clock.GetCurrentInstant());
                }
                return BillingJobOutcome.Done($"payment declined ({e.DeclineCode ?? e.Code})");
            }
            Learn(live, invoice, "service");
        }
        return BillingJobOutcome.Done();
    }

    private void Learn(IEnumerable<Charge> charges, StripeInvoice invoice, string actor)
    {
        var (paymentIntent, paidBy) = InvoicePayments.Of(invoice);
        foreach (var charge in charges)
        {
            charge.LearnStripe(invoice: invoice.Id, number: invoice.Number, paymentIntent: paymentIntent, charge: paidBy);
            ChargeState? status = invoice.Status switch
            {
                StripeInvoiceStatus.Open => ChargeState.Invoiced,
                StripeInvoiceStatus.Paid => ChargeState.Paid,
                StripeInvoiceStatus.Void => ChargeState.Voided,
                StripeInvoiceStatus.Uncollectible => ChargeState.Failed,
                _ => null,
            };
            if (status is { } to) trail.Move(charge, to, null, actor, new { invoice = invoice.Id, invoice.Status, invoice.Number });
        }
    }

    private async Task ReloadAsync(IEnumerable<Charge> charges, CancellationToken ct)
    {
        foreach (var charge in charges) await db.Entry(charge).ReloadAsync(ct);
    }

    private static Dictionary<string, string> Metadata(Charge charge, Incident incident) => new()
    {
        ["charge_id"] = charge.Id.ToString(),
        ["incident_id"] = incident.Id.ToString(),
        ["account_id"] = charge.AccountId?.ToString() ?? "",
        ["call_sid"] = incident.CallSid,
        ["kind"] = charge.Kind,
        ["window"] = charge.Window,
        ["steps"] = charge.Steps.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["consent_event_id"] = charge.ConsentEventId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "",
        ["policy_version"] = charge.PolicyVersion,
    };
}
