using Microsoft.EntityFrameworkCore;
using PhoneSupport.Data;
using PhoneSupport.Domain.Calls;
using NodaTime;
using PhoneSupport.Features.Accounts;
using PhoneSupport.Features.Entitlements;

namespace PhoneSupport.Features.Voice;

/// <summary>
/// Answers the engine's <see cref="FactRequest"/>s from the database, one query (or one short transaction)
/// each. <paramref name="callStartedAt"/> is when the IVR answered: a call's window is fixed then.
/// </summary>
public sealed class FactsLoader(PhoneSupportDb db, EntitlementService entitlements, AllowanceLedger ledger, IdentificationLockout lockout, IClock clock)
{
    public async Task<object> LoadAsync(FactRequest request, Instant callStartedAt, CancellationToken ct) => request switch
    {
        FactRequest.IdentificationLocked r => await lockout.IsLockedAsync(r.Provider, r.CallerNumber, clock.GetCurrentInstant(), ct),
        FactRequest.Entitlement { Sales: true } r => entitlements.DecideSales(r.Provider, callStartedAt)
            ?? throw new InvalidOperationException($"Provider {r.Provider} has no policy."),
        FactRequest.Entitlement { AccountId: { } accountId } r => await entitlements.DecideAsync(accountId, r.ContractId, r.Severity, false, callStartedAt, ct)
            ?? throw new InvalidOperationException($"Account {accountId} has no policy to decide with."),
        FactRequest.ClaimIncluded r => await ledger.ClaimAsync(r.ContractId, r.CallSid, callStartedAt, clock.GetCurrentInstant(), ct),
        FactRequest.AccountByContractNumber r => await (
            from c in db.Contracts.AsNoTracking()
            join a in db.Accounts on c.AccountId equals a.Id
            where c.ContractNumber == r.ContractNumber
            select new AccountFact(a.Id, a.Name, a.Membership, a.AccountNumber,
                new ContractFact(c.Id, c.ContractNumber, c.StartsOn, c.EndsOn))).ToListAsync(ct),
        FactRequest.AccountByNumber r => await Accounts(db.Accounts.Where(a => a.Provider == r.Provider && a.AccountNumber == r.AccountNumber), ct),
        FactRequest.AccountsByPhone r => await Accounts(
            db.Accounts.Where(a => db.AccountPhoneNumbers.Any(p => p.AccountId == a.Id && p.Provider == r.Provider && p.PhoneNumber == r.PhoneNumber)), ct),
        FactRequest.AccountsByUserName r => await Accounts(
            db.Accounts.Where(a => db.AccountUserNames.Any(u => u.AccountId == a.Id && u.Provider == r.Provider && u.Normalized == r.NormalizedName)), ct),
        _ => throw new ArgumentOutOfRangeException(nameof(request), request.GetType().Name, "Unknown fact request."),
    };

    private static async Task<IReadOnlyList<AccountFact>> Accounts(IQueryable<Account> accounts, CancellationToken ct) =>
        await accounts.AsNoTracking().Take(2)
            .Select(a => new AccountFact(a.Id, a.Name, a.Membership, a.AccountNumber, null))
            .ToListAsync(ct);
}
