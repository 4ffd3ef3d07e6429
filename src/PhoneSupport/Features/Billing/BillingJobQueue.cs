using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using NodaTime;
using PhoneSupport.Data;

namespace PhoneSupport.Features.Billing;

/// <summary>
/// What working one outbox job came to: finished (<see cref="BillingJobStatus.Done"/>, <see cref="BillingJobStatus.Cancelled"/>,
/// <see cref="BillingJobStatus.Failed"/>) or still <see cref="BillingJobStatus.Pending"/>: tried again after a backoff.
/// </summary>
public readonly record struct BillingJobOutcome(BillingJobStatus Status, string? Error)
{
    public static BillingJobOutcome Done(string? error = null) => new(BillingJobStatus.Done, error);

    public static BillingJobOutcome Cancelled(string error) => new(BillingJobStatus.Cancelled, error);

    public static BillingJobOutcome Failed(string error) => new(BillingJobStatus.Failed, error);

    public static BillingJobOutcome Later(string error) => new(BillingJobStatus.Pending, error);
}

/// <summary>
/// The billing outbox's queue (table <c>billing_outbox</c>): claims due jobs with a lease for this instance (any number of
/// instances; <c>FOR UPDATE SKIP LOCKED</c>), freezing the charges a posting job carries in the same transaction (their
/// amounts can no longer change under a retry); then finishes each job or puts it back with an exponential backoff. A dead
/// worker's lease runs out (<see cref="BillingOptions.LeaseTime"/>) and another instance claims the job again.
/// </summary>
public sealed class BillingJobQueue(PhoneSupportDb db, IOptions<BillingOptions> options, IClock clock)
{
    private static readonly string Owner = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";

    /// <summary>Claims up to <see cref="BillingOptions.BatchSize"/> due jobs (oldest due first), each attempt counted.</summary>
    public async Task<List<Guid>> ClaimAsync(CancellationToken ct)
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

    /// <summary>A claimed job, loaded into a unit of work of its own (whatever the previous job left tracked is forgotten).</summary>
    public async Task<BillingJob> LoadAsync(Guid id, CancellationToken ct)
    {
        db.ChangeTracker.Clear();
        return await db.BillingJobs.SingleAsync(j => j.Id == id, ct);
    }

    /// <summary>
    /// Writes the job's own row last, on its own (what was learnt from Stripe is saved step by step before): finished, or
    /// due again after the backoff of its attempts, its lease given back either way.
    /// </summary>
    public async Task CompleteAsync(Guid id, BillingJobOutcome outcome, CancellationToken ct)
    {
        db.ChangeTracker.Clear();
        var fresh = await db.BillingJobs.SingleAsync(j => j.Id == id, ct);
        if (outcome.Status == BillingJobStatus.Pending) fresh.RetryAt(clock.GetCurrentInstant() + Backoff(fresh.Attempts), outcome.Error ?? "waiting");
        else fresh.Finish(outcome.Status, outcome.Error, clock.GetCurrentInstant());
        await db.SaveChangesAsync(ct);
    }

    private Duration Backoff(int attempts)
    {
        var o = options.Value;
        var delay = TimeSpan.FromTicks(Math.Min(o.MaxRetryDelay.Ticks, o.RetryBaseDelay.Ticks * (1L << Math.Clamp(attempts - 1, 0, 20))));
        return Duration.FromTimeSpan(delay);
    }
}
