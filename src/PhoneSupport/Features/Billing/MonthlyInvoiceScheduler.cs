using Microsoft.EntityFrameworkCore;
using NodaTime;
using PhoneSupport.Data;
using PhoneSupport.Domain.Policies;

namespace PhoneSupport.Features.Billing;

/// <summary>
/// Monthly plans: once a calendar month (in the provider's zone) is over, one <see cref="BillingJob.Month"/> job per
/// customer for its posted, uninvoiced items of that month. The unique (customer, period) index makes this safe to run on
/// every instance at once; items posted after their month's job get a job of their own (<c>2026-08/2</c>).
/// </summary>
public sealed class MonthlyInvoiceScheduler(PhoneSupportDb db, PolicyCatalog policies, IClock clock)
{
    /// <summary>Enqueues the month jobs now due; returns how many were inserted.</summary>
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
                                          && c.Status == ChargeState.Posted && c.CreatedAt < monthStart && i.Provider == policy.Provider && c.StripeCustomerId != null
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
}
