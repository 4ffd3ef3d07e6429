using Microsoft.EntityFrameworkCore;
using NodaTime;
using PhoneSupport.Data;
using PhoneSupport.Domain.Calls;
using PhoneSupport.Domain.Policies;
using PhoneSupport.Features.Accounts;

namespace PhoneSupport.Features.Entitlements;

/// <summary>Gathers an account's facts (plan, contract, allowance, exam sessions) and asks the pure engine.</summary>
public sealed class EntitlementService(PhoneSupportDb db, PolicyCatalog policies, AllowanceLedger ledger)
{
    /// <summary>
    /// Decides for an account (and contract) at an instant — the admin API's <c>entitlementsNow</c>; a call decides in the IVR
    /// step from the same facts (Domain/Calls, decision 017).
    /// </summary>
    public async Task<EntitlementFact?> DecideAsync(Guid accountId, Guid? contractId, int? severity, Instant at, CancellationToken ct)
    {
        var account = await db.Accounts.AsNoTracking().FirstOrDefaultAsync(a => a.Id == accountId, ct);
        if (account is null || policies.For(account.Provider) is not { } policy) return null;
        var contract = contractId is not { } id ? null
            : await db.Contracts.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id && c.AccountId == accountId, ct);
        var allowance = contract is null ? null : await ledger.SnapshotAsync(contract, account.Provider, at, ct);
        var sessions = policy.Plan(account.Membership)?.ExamSessionTargets is null ? [] :
            await db.ExamSessions.AsNoTracking().Where(s => s.AccountId == accountId && s.StartsAt <= at && s.EndsAt > at)
                .Select(s => new Interval(s.StartsAt, s.EndsAt)).ToListAsync(ct);
        var request = new EntitlementRequest(account.Membership, at, severity,
            contract is null ? null : new ContractInfo(contract.ContractNumber, contract.StartsOn, contract.EndsOn), allowance, sessions);
        return EntitlementFact.Of(policy, EntitlementEngine.Decide(policy, request));
    }

    /// <summary>The active contract of an account at an instant, if any (for <c>entitlementsNow</c>).</summary>
    public async Task<Contract?> ActiveContractAsync(Guid accountId, string provider, Instant at, CancellationToken ct)
    {
        if (policies.For(provider) is not { } policy) return null;
        var today = at.InZone(policy.Coverage.Zone).Date;
        return await db.Contracts.AsNoTracking()
            .Where(c => c.AccountId == accountId && c.StartsOn <= today && c.EndsOn >= today)
            .OrderByDescending(c => c.StartsOn).FirstOrDefaultAsync(ct);
    }
}
