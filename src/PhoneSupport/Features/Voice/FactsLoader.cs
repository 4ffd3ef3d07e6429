using Microsoft.EntityFrameworkCore;
using PhoneSupport.Data;
using PhoneSupport.Domain.Calls;
using PhoneSupport.Features.Accounts;

namespace PhoneSupport.Features.Voice;

/// <summary>Answers the engine's <see cref="FactRequest"/>s from the database, one query each.</summary>
public sealed class FactsLoader(PhoneSupportDb db)
{
    public async Task<IReadOnlyList<AccountFact>> LoadAsync(FactRequest request, CancellationToken ct) => request switch
    {
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
