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
    /// <summary>Sales and billing: no account needed.</summary>
    public EntitlementFact? DecideSales(string provider, Instant at) =>
        policies.For(provider) is { } policy ? Fact(policy, EntitlementEngine.DecideSales(policy, at)) : null;

    /// <summary>The provider's call rules (national numbers, identification tries per call), from the loaded policy.</summary>
    public CallPolicyFact? CallPolicy(string provider) => policies.For(provider) is { } policy ? CallPolicyFact.Of(policy) : null;

    /// <summary>
    /// Decides for an account (and contract). <paramref name="knownAccount"/> and <paramref name="knownContract"/>, when the
    /// caller has just read them in the same webhook, save the round trips that would read them again.
    /// </summary>
    public async Task<EntitlementFact?> DecideAsync(Guid accountId, Guid? contractId, int? severity, bool sales, Instant at, CancellationToken ct,
        Account? knownAccount = null, Contract? knownContract = null)
    {
        var account = knownAccount is { } k && k.Id == accountId ? k : await db.Accounts.AsNoTracking().FirstOrDefaultAsync(a => a.Id == accountId, ct);
        if (account is null || policies.For(account.Provider) is not { } policy) return null;
        if (sales) return Fact(policy, EntitlementEngine.DecideSales(policy, at));

        var contract = contractId is not { } id ? null
            : knownContract is { } kc && kc.Id == id && kc.AccountId == accountId ? kc
            : await db.Contracts.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id && c.AccountId == accountId, ct);
        var allowance = contract is null ? null : await ledger.SnapshotAsync(contract, account.Provider, at, ct);
        var sessions = policy.Plan(account.Membership)?.ExamSessionTargets is null ? [] :
            await db.ExamSessions.AsNoTracking().Where(s => s.AccountId == accountId && s.StartsAt <= at && s.EndsAt > at)
                .Select(s => new Interval(s.StartsAt, s.EndsAt)).ToListAsync(ct);
        var request = new EntitlementRequest(account.Membership, at, severity,
            contract is null ? null : new ContractInfo(contract.ContractNumber, contract.StartsOn, contract.EndsOn), allowance, sessions);
        return Fact(policy, EntitlementEngine.Decide(policy, request));
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

    private static EntitlementFact Fact(SupportPolicy policy, Entitlement entitlement)
    {
        var holidayRate = policy.Plans.Values.Select(p => p.Contract?.RatesPerHour.GetValueOrDefault(Window.Holiday)).FirstOrDefault(r => r is > 0);
        return new EntitlementFact(entitlement, holidayRate is { } r ? new Money(r, policy.Currency) : null,
            policy.Coverage.SpokenHours(), policy.WebTicket.Spoken, policy.Coverage.Zone, policy.Coverage.WeeklyHours);
    }
}
