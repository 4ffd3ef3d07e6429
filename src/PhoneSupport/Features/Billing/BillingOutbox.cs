using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using NodaTime;
using PhoneSupport.Data;
using PhoneSupport.Domain.Billing;
using PhoneSupport.Domain.Policies;
using PhoneSupport.Features.Platform;
using PhoneSupport.Stripe;
using StripeInvoice = Stripe.Invoice;

namespace PhoneSupport.Features.Billing;

/// <summary>
/// Works the billing outbox: claims due jobs with a lease (any number of instances; <c>FOR UPDATE SKIP LOCKED</c>),
/// freezes their charges (their amounts can no longer change under a retry), and talks to Stripe. An <c>invoice</c> job
/// posts one invoice per billable incident: an invoice item per charge (metadata links incident and charge), a draft
/// invoice with <c>pending_invoice_items_behavior=exclude</c>, the items attached, finalized, paid with the saved card.
/// Each step's Stripe id is stored as soon as it is known and every request carries an <c>Idempotency-Key</c> derived
/// from the charge or the job, so a retry — after a 500, a timeout or a crash — resumes where it stopped and can never
/// bill twice. An <c>undo</c> job carries out a waiver: void an open invoice, or a credit note and a refund for a paid one.
/// </summary>
public sealed class BillingOutbox(PhoneSupportDb db, IStripeClient stripe, IOptions<BillingOptions> options, PolicyCatalog policies, IClock clock,
    ILogger<BillingOutbox> logger)
{
    private static readonly string Owner = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";

    /// <summary>One pass: claims up to <see cref="BillingOptions.BatchSize"/> due jobs and works them. Returns how many it worked.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        await ScheduleMonthsAsync(ct);
        var ids = await ClaimAsync(ct);
        foreach (var id in ids)
        {
            db.ChangeTracker.Clear();
            var job = await db.BillingJobs.SingleAsync(j => j.Id == id, ct);
            (string Status, string? Error) outcome;
            try
            {
                outcome = job.Kind == BillingJob.Undo ? await UndoAsync(job, ct) : await PostAsync(job, ct);
                await db.SaveChangesAsync(ct);
            }
            catch (Exception e) when (Transient(e) && !ct.IsCancellationRequested)
            {
                logger.LogWarning("Billing job {Job} attempt {Attempt} failed ({Error}); retrying later", job.Id, job.Attempts, e.Message);
                outcome = ("retry", Describe(e));
            }
            catch (StripeApiException e)
            {
                logger.LogError("Stripe refused billing job {Job}: {Status} {Type} {Code} {Message}", job.Id, e.Status, e.Type, e.Code, e.Message);
                db.ChangeTracker.Clear();
                await ExplainAsync(job, $"Stripe refused it: {e.Message}", ct);
                outcome = ("failed", Describe(e));
            }

            // What was learnt from Stripe is saved step by step; the job's own row is written last, on its own.
            db.ChangeTracker.Clear();
            var fresh = await db.BillingJobs.SingleAsync(j => j.Id == id, ct);
            if (outcome.Status == "retry") fresh.RetryAt(clock.GetCurrentInstant() + Backoff(fresh.Attempts), outcome.Error ?? "waiting");
            else fresh.Finish(outcome.Status, outcome.Error, clock.GetCurrentInstant());
            await db.SaveChangesAsync(ct);
        }
        return ids.Count;
    }

    /// <summary>
    /// Monthly plans: once a calendar month (in the provider's zone) is over, one <see cref="BillingJob.Month"/> job per
    /// customer for its posted, uninvoiced items of that month. The unique (customer, period) index makes this safe to run on
    /// every instance at once; items posted after their month's job get a job of their own (<c>2026-08/2</c>).
    /// </summary>
    public async Task<int> ScheduleMonthsAsync(CancellationToken ct)
    {
        var now = clock.GetCurrentInstant();
        var scheduled = 0;
        foreach (var policy in policies.Policies)
        {
            var zone = policy.Coverage.Zone;
            var today = now.InZone(zone).Date;
            var monthStart = zone.AtStartOfDay(new LocalDate(today.Year, today.Month, 1)).ToInstant();
            var candidates = await (from c in db.Charges.AsNoTracking()
                                    join i in db.Incidents on c.IncidentId equals i.Id
                                    where c.Invoicing == "monthly" && c.StripeInvoiceId == null && c.StripeInvoiceItemId != null
                                          && c.Status == ChargeStatus.Posted && c.CreatedAt < monthStart && i.Provider == policy.Provider && c.StripeCustomerId != null
                                    select new { c.Id, c.StripeCustomerId, c.CreatedAt }).ToListAsync(ct);
            foreach (var group in candidates.GroupBy(c => (Customer: c.StripeCustomerId!, Month: Month(c.CreatedAt, zone))))
            {
                var existing = await db.BillingJobs.AsNoTracking()
                    .Where(j => j.Kind == BillingJob.Month && j.StripeCustomerId == group.Key.Customer && j.Period!.StartsWith(group.Key.Month))
                    .Select(j => j.ChargeIds).ToListAsync(ct);
                var covered = existing.SelectMany(ids => ids).ToHashSet();
                var remaining = group.Where(c => !covered.Contains(c.Id)).Select(c => c.Id).ToArray();
                if (remaining.Length == 0) continue;
                var period = existing.Count == 0 ? group.Key.Month : $"{group.Key.Month}/{existing.Count + 1}";
                var job = BillingJob.ForMonth(Guid.CreateVersion7(), group.Key.Customer, period, remaining, now);
                scheduled += await db.Database.ExecuteSqlAsync($"""
                    insert into billing_outbox (id, kind, incident_id, charge_ids, status, attempts, next_attempt_at, created_at, stripe_customer_id, period)
                    values ({job.Id}, 'month', null, {job.ChargeIds}, 'pending', 0, {now.ToDateTimeUtc()}, {now.ToDateTimeUtc()}, {job.StripeCustomerId}, {job.Period})
                    on conflict (stripe_customer_id, period) where kind = 'month' do nothing
                    """, ct);
            }
        }
        return scheduled;
    }

    private static string Month(Instant at, DateTimeZone zone)
    {
        var date = at.InZone(zone).Date;
        return $"{date.Year:0000}-{date.Month:00}";
    }

    private async Task<List<Guid>> ClaimAsync(CancellationToken ct)
    {
        var now = clock.GetCurrentInstant();
        var leaseUntil = now + Duration.FromTimeSpan(options.Value.LeaseTime);
        var strategy = db.Database.CreateExecutionStrategy();
        return await strategy.ExecuteAsync(async () =>
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var ids = await db.Database.SqlQuery<Guid>($"""
                with due as (
                    select id from billing_outbox
                    where status = 'pending' and next_attempt_at <= {now.ToDateTimeUtc()} and (lease_until is null or lease_until < {now.ToDateTimeUtc()})
                    order by next_attempt_at
                    limit {options.Value.BatchSize}
                    for update skip locked)
                update billing_outbox o set lease_owner = {Owner}, lease_until = {leaseUntil.ToDateTimeUtc()}, attempts = o.attempts + 1
                from due where o.id = due.id
                returning o.id as "Value"
                """).ToListAsync(ct);
            if (ids.Count > 0)
                await db.Database.ExecuteSqlAsync($"""
                    update charges set posting_started_at = {now.ToDateTimeUtc()}, version = version + 1
                    where posting_started_at is null
                      and id in (select unnest(charge_ids) from billing_outbox where id = any({ids.ToArray()}) and kind in ('invoice', 'item'))
                    """, ct);
            await tx.CommitAsync(ct);
            return ids;
        });
    }

    private async Task<(string Status, string? Error)> PostAsync(BillingJob job, CancellationToken ct)
    {
        var charges = await db.Charges.Where(c => job.ChargeIds.Contains(c.Id)).OrderBy(c => c.CreatedAt).ThenBy(c => c.Kind).ToListAsync(ct);
        var live = charges.Where(c => c.Status != ChargeStatus.Waived).ToList();
        if (live.Count == 0) return ("cancelled", "every charge was waived before it was posted");
        var customer = job.StripeCustomerId ?? live.Select(c => c.StripeCustomerId).FirstOrDefault(c => c is not null)
            ?? await db.Accounts.Where(a => a.Id == live[0].AccountId).Select(a => a.StripeCustomerId).FirstOrDefaultAsync(ct);
        if (customer is null)
        {
            await ExplainAsync(job, "the account has no Stripe customer", ct);
            return ("failed", "the account has no Stripe customer");
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
            Move(charge, ChargeStatus.Posted, null, "service", new { invoiceItem = item.Id });
            await db.SaveChangesAsync(ct);
        }

        if (job.Kind == BillingJob.Item) return ("done", null); // monthly: the month's job invoices them

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
            if (live.All(c => c.Status == ChargeStatus.Waived)) return ("cancelled", "waived while posting; the draft invoice was left unfinalized");
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
                    if (!Move(charge, ChargeStatus.Failed, reason, "service", new { invoice = invoiceId, e.Code, e.DeclineCode }) && charge.Status == ChargeStatus.Failed)
                        charge.Explain(reason, clock.GetCurrentInstant());
                }
                return ("done", $"payment declined ({e.DeclineCode ?? e.Code})");
            }
            Learn(live, invoice, "service");
        }
        return ("done", null);
    }

    private async Task<(string Status, string? Error)> UndoAsync(BillingJob job, CancellationToken ct)
    {
        var charges = await db.Charges.Where(c => job.ChargeIds.Contains(c.Id)).ToListAsync(ct);
        // Wait for a posting of these charges still under way: it must finish (or give up) before it can be undone.
        var posting = await db.BillingJobs.AnyAsync(j => j.Kind != BillingJob.Undo && j.Status == "pending" && j.Attempts > 0 && j.ChargeIds.Any(id => job.ChargeIds.Contains(id)), ct);
        if (posting) return ("retry", "waiting for the posting of this charge to finish");
        foreach (var charge in charges)
        {
            if (charge.StripeInvoiceId is not { } invoiceId) continue;
            var invoice = await stripe.RetrieveInvoiceAsync(invoiceId, cancellationToken: ct);
            if (invoice is null || invoice.Status is StripeInvoiceStatus.Draft or StripeInvoiceStatus.Void) continue;
            var siblings = await db.Charges.AsNoTracking().Where(c => c.StripeInvoiceId == invoiceId && c.Id != charge.Id && c.Status != ChargeStatus.Waived).CountAsync(ct);
            if (invoice.Status is StripeInvoiceStatus.Open or StripeInvoiceStatus.Uncollectible && siblings == 0)
            {
                var voided = await stripe.VoidInvoiceAsync(invoiceId, $"charge:{charge.Id}:void", ct);
                Audit(charge, "stripe", "service", new { voidedInvoice = voided.Id, voided.Status });
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
                Audit(charge, "stripe", "service", new { creditNote = note.Id, refund, note.Amount });
            }
            await db.SaveChangesAsync(ct);
        }
        return ("done", null);
    }

    private void Learn(IEnumerable<Charge> charges, StripeInvoice invoice, string actor)
    {
        var (paymentIntent, paidBy) = InvoicePayments.Of(invoice);
        foreach (var charge in charges)
        {
            charge.LearnStripe(invoice: invoice.Id, number: invoice.Number, paymentIntent: paymentIntent, charge: paidBy);
            var status = invoice.Status switch
            {
                StripeInvoiceStatus.Open => ChargeStatus.Invoiced,
                StripeInvoiceStatus.Paid => ChargeStatus.Paid,
                StripeInvoiceStatus.Void => ChargeStatus.Voided,
                StripeInvoiceStatus.Uncollectible => ChargeStatus.Failed,
                _ => null,
            };
            if (status is not null) Move(charge, status, null, actor, new { invoice = invoice.Id, invoice.Status, invoice.Number });
        }
    }

    private bool Move(Charge charge, string status, string? reason, string actor, object detail)
    {
        var from = charge.Status;
        if (!charge.MoveTo(status, reason, clock.GetCurrentInstant())) return false;
        db.ChargeEvents.Add(new ChargeEvent(charge.Id, clock.GetCurrentInstant(), "status", from, status, actor, JsonSerializer.Serialize(detail)));
        return true;
    }

    private void Audit(Charge charge, string kind, string actor, object detail) =>
        db.ChargeEvents.Add(new ChargeEvent(charge.Id, clock.GetCurrentInstant(), kind, charge.Status, charge.Status, actor, JsonSerializer.Serialize(detail)));

    private async Task ExplainAsync(BillingJob job, string reason, CancellationToken ct)
    {
        foreach (var charge in await db.Charges.Where(c => job.ChargeIds.Contains(c.Id)).ToListAsync(ct))
        {
            charge.Explain(reason, clock.GetCurrentInstant());
            Audit(charge, "error", "service", new { job = job.Id, reason });
        }
        await db.SaveChangesAsync(ct);
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

    private Duration Backoff(int attempts)
    {
        var o = options.Value;
        var delay = TimeSpan.FromTicks(Math.Min(o.MaxRetryDelay.Ticks, o.RetryBaseDelay.Ticks * (1L << Math.Clamp(attempts - 1, 0, 20))));
        return Duration.FromTimeSpan(delay);
    }

    private static bool Transient(Exception e) => e switch
    {
        StripeApiException s => s.ShouldRetry ?? (s.Status is 409 or 429 or >= 500),
        TimeoutException or HttpRequestException or DbUpdateConcurrencyException => true,
        _ => false,
    };

    private static string Describe(Exception e) => e is StripeApiException s ? $"{s.Status} {s.Type} {s.Code}: {s.Message}" : $"{e.GetType().Name}: {e.Message}";

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max];
}

/// <summary>Runs <see cref="BillingOutbox"/> on every instance (<c>PhoneSupport:Billing:WorkerEnabled</c>).</summary>
public sealed class BillingOutboxService(IServiceScopeFactory scopes, IOptions<BillingOptions> options, TimeProvider time, ILogger<BillingOutboxService> logger)
    : PollingService<BillingOutbox>(scopes, time, logger)
{
    protected override bool Enabled => options.Value.WorkerEnabled;

    protected override TimeSpan Interval => options.Value.PollInterval;

    protected override async Task PassAsync(BillingOutbox worker, CancellationToken ct)
    {
        while (await worker.RunOnceAsync(ct) >= options.Value.BatchSize) { }
    }
}
