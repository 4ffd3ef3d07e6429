using Microsoft.EntityFrameworkCore;
using NodaTime;
using PhoneSupport.Data;
using PhoneSupport.Domain.Policies;
using PhoneSupport.Features.Accounts;

namespace PhoneSupport.Features.Entitlements;

/// <summary>
/// Included incidents per contract per contract year: claim at the caller's consent, release when no
/// technician was ever connected, commit when the incident closes. A claim locks the contract row
/// (<c>SELECT … FOR UPDATE</c>) for its transaction, so parallel calls on any number of instances are
/// serialised per contract and can never be promised more than the included count.
/// </summary>
public sealed class AllowanceLedger(PhoneSupportDb db, PolicyCatalog policies)
{
    public async Task<AllowanceSnapshot?> SnapshotAsync(Contract contract, string provider, Instant at, CancellationToken ct)
    {
        if (Terms(provider) is not { } terms) return null;
        var zone = policies.For(provider)!.Coverage.Zone;
        var (start, end, _) = ContractYear.For(contract.StartsOn, at, zone);
        var counts = await db.AllowanceUses.AsNoTracking()
            .Where(u => u.ContractId == contract.Id && u.ContractYearStart == start && u.Status != AllowanceStatus.Released)
            .GroupBy(u => u.Status).Select(g => new { Status = g.Key, Count = g.Count() }).ToListAsync(ct);
        return new AllowanceSnapshot(start, end, terms.IncludedIncidents,
            counts.Where(c => c.Status == AllowanceStatus.Committed).Sum(c => c.Count),
            counts.Where(c => c.Status == AllowanceStatus.Claimed).Sum(c => c.Count));
    }

    /// <summary>
    /// Claims one included incident of the contract year containing <paramref name="at"/> for a call.
    /// Idempotent per call: a call that already holds a claim gets true again without a second one.
    /// </summary>
    public async Task<bool> ClaimAsync(Guid contractId, string callSid, Instant at, Instant now, CancellationToken ct)
    {
        var strategy = db.Database.CreateExecutionStrategy();
        return await strategy.ExecuteAsync(async () =>
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var contract = await db.Contracts.FromSql($"select * from contracts where id = {contractId} for update").SingleAsync(ct);
            var provider = await db.Accounts.Where(a => a.Id == contract.AccountId).Select(a => a.Provider).SingleAsync(ct);
            if (await db.AllowanceUses.AnyAsync(u => u.CallSid == callSid && u.Status != AllowanceStatus.Released, ct)) return true;
            if (await SnapshotAsync(contract, provider, at, ct) is not { Remaining: > 0 } snapshot) return false;
            db.AllowanceUses.Add(new AllowanceUse(Guid.CreateVersion7(), contractId, snapshot.ContractYearStart, callSid, now));
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            return true;
        });
    }

    /// <summary>The call ended without a technician ever connected: its claim goes back.</summary>
    public Task<int> ReleaseForCallAsync(string callSid, Instant now, CancellationToken ct) =>
        db.AllowanceUses.Where(u => u.CallSid == callSid && u.Status == AllowanceStatus.Claimed)
            .ExecuteUpdateAsync(u => u.SetProperty(x => x.Status, AllowanceStatus.Released).SetProperty(x => x.ReleasedAt, now), ct);

    /// <summary>The incident closed: the call's claim becomes a used incident, exactly once.</summary>
    public Task<int> CommitForCallAsync(string callSid, Guid? incidentId, Instant now, CancellationToken ct) =>
        db.AllowanceUses.Where(u => u.CallSid == callSid && u.Status == AllowanceStatus.Claimed)
            .ExecuteUpdateAsync(u => u.SetProperty(x => x.Status, AllowanceStatus.Committed)
                .SetProperty(x => x.IncidentId, incidentId).SetProperty(x => x.CommittedAt, now), ct);

    /// <summary>The call was attached to an earlier incident: its own incident is merged away, so it uses no included incident.</summary>
    public Task<int> ReleaseForMergeAsync(string callSid, Instant now, CancellationToken ct) =>
        db.AllowanceUses.Where(u => u.CallSid == callSid && u.Status != AllowanceStatus.Released)
            .ExecuteUpdateAsync(u => u.SetProperty(x => x.Status, AllowanceStatus.Released).SetProperty(x => x.ReleasedAt, now), ct);

    private ContractTerms? Terms(string provider) =>
        policies.For(provider)?.Plans.Values.Select(p => p.Contract).FirstOrDefault(c => c is not null);
}
